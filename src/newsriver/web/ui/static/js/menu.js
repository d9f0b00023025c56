// Small behaviours shared by every page: dropdown menus (<details class="menu">) close on
// Escape and on a click elsewhere; the sidebar opens and closes on narrow screens.

document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.menu[open]")) {
    menu.removeAttribute("open");
    menu.querySelector("summary")?.focus();
  }
  if (document.body.classList.contains("sidebar-open")) closeSidebar();
});

function closeSidebar() {
  document.body.classList.remove("sidebar-open");
  for (const button of document.querySelectorAll("[data-sidebar-toggle]")) {
    button.setAttribute("aria-expanded", "false");
    // Focus left inside the hidden sidebar would be lost to keyboard users.
    if (document.getElementById("sidebar")?.contains(document.activeElement)) button.focus();
  }
}

for (const button of document.querySelectorAll("[data-sidebar-toggle]")) {
  button.addEventListener("click", () => {
    const open = document.body.classList.toggle("sidebar-open");
    button.setAttribute("aria-expanded", String(open));
  });
}

// Forms that ask before doing something irreversible: <form data-confirm="Delete?">.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) event.preventDefault();
});
