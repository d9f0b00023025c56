// The settings page: copying a new API key, and making a saved colour theme win over the
// one chosen with the top bar's toggle (which theme.js keeps in localStorage).

for (const button of document.querySelectorAll("[data-copy-target]")) {
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Copied";
    } catch (error) {
      // No clipboard access (plain HTTP, or refused): the key is selected for Ctrl+C.
      button.textContent = "Press Ctrl+C";
    }
  });
}

for (const field of document.querySelectorAll("[data-select-on-focus]")) {
  field.addEventListener("focus", () => field.select());
}

for (const form of document.querySelectorAll("form[data-preferences-form]")) {
  form.addEventListener("submit", () => {
    try {
      window.localStorage.removeItem("newsriver-theme");
    } catch (error) {
      // Storage refused (private window): nothing was stored there either.
    }
  });
}
