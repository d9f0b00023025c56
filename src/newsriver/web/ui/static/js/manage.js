// Managing subscriptions, on top of forms that work without JavaScript:
// - a form with data-busy="Text…" shows that text and blocks a second submit while the
//   server fetches a new feed (it can take seconds);
// - the OPML form (data-opml-upload) uploads with a progress bar, then shows the
//   summary the server rendered, without leaving the page.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

function setBusy(form, busy) {
  const button = form.querySelector('button[type="submit"]');
  form.setAttribute("aria-busy", String(busy));
  if (!button) return;
  if (busy) {
    button.dataset.idleLabel = button.textContent;
    button.textContent = form.dataset.busy || button.textContent;
    button.disabled = true;
  } else if (button.dataset.idleLabel) {
    button.textContent = button.dataset.idleLabel;
    button.disabled = false;
  }
}

for (const form of document.querySelectorAll("form[data-busy]")) {
  form.addEventListener("submit", (event) => {
    if (event.defaultPrevented) return;
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    // After the browser has taken the form's data: a disabled button sends nothing.
    setTimeout(() => setBusy(form, true), 0);
  });
}

// Coming back with the Back button restores the page as it was left: busy.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll('form[aria-busy="true"]')) setBusy(form, false);
});

function showResult(target, html) {
  const page = new DOMParser().parseFromString(html, "text/html");
  const fresh = page.getElementById(target.id);
  if (fresh) {
    target.replaceChildren(...fresh.childNodes);
  } else {
    showError(target, "The server answered with something unexpected. Reload the page and try again.");
  }
}

function showError(target, message) {
  const paragraph = document.createElement("p");
  paragraph.className = "error";
  paragraph.setAttribute("role", "alert");
  paragraph.textContent = message;
  target.replaceChildren(paragraph);
}

function uploadOpml(form) {
  const result = document.getElementById("opml-result");
  const box = form.querySelector("[data-progress]");
  const bar = box.querySelector("progress");
  const text = box.querySelector("[data-progress-text]");
  const label = box.querySelector("label");
  const request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.setRequestHeader("X-CSRF-Token", csrfToken());
  request.setRequestHeader("Accept", "text/html");
  request.upload.addEventListener("progress", (event) => {
    if (!event.lengthComputable) return;
    const percent = Math.round((event.loaded / event.total) * 100);
    bar.value = percent;
    text.textContent = `${percent} %`;
  });
  request.upload.addEventListener("load", () => {
    bar.value = 100;
    label.textContent = "Importing";
    text.textContent = "adding the feeds…";
  });
  request.addEventListener("load", () => {
    setBusy(form, false);
    box.hidden = true;
    const type = request.getResponseHeader("Content-Type") || "";
    if (type.includes("application/json")) {
      let message = `The import failed (${request.status}).`;
      try {
        message = JSON.parse(request.responseText).error || message;
      } catch (e) {
        // Keep the status line.
      }
      showError(result, message.charAt(0).toUpperCase() + message.slice(1));
      return;
    }
    showResult(result, request.responseText);
    form.reset();
    result.querySelector(".import-summary, .error")?.scrollIntoView({ block: "nearest" });
  });
  request.addEventListener("error", () => {
    setBusy(form, false);
    box.hidden = true;
    showError(result, "The upload failed: the server could not be reached.");
  });
  label.textContent = "Uploading";
  text.textContent = "";
  bar.value = 0;
  box.hidden = false;
  setBusy(form, true);
  request.send(new FormData(form));
}

for (const form of document.querySelectorAll("form[data-opml-upload]")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") !== "true") uploadOpml(form);
  });
}
