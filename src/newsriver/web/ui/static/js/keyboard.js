// Keyboard shortcuts, FreshRSS-like; `?` shows them all (the help dialog in the page).
// Keys typed into a field are left alone, and so are keys with Ctrl, Alt or Meta.

import * as stream from "./stream.js";

const help = document.querySelector("[data-help]");
const GO_TO = { a: "/", s: "/favourites", g: "/global" };
let goPending = null;

function openHelp() {
  if (help && !help.open) help.showModal();
}

for (const button of document.querySelectorAll("[data-help-open]")) {
  button.addEventListener("click", openHelp);
}

function inField(target) {
  return target instanceof Element && (target.isContentEditable || target.closest("input, textarea, select"));
}

// Space: scroll while the current article goes on below the window, else the next one.
function space(backwards) {
  const article = stream.currentArticle();
  if (article && stream.isOpen(article)) {
    const box = article.getBoundingClientRect();
    if (backwards ? box.top < -1 : box.bottom > window.innerHeight + 1) return false;
  }
  stream.move(backwards ? -1 : 1);
  return true;
}

function toggleShow() {
  const url = new URL(window.location.href);
  url.searchParams.set("show", stream.root?.dataset.show === "unread" ? "all" : "unread");
  url.searchParams.delete("after");
  window.location.assign(url.pathname + url.search);
}

function goTo(key) {
  if (key === "u") toggleShow();
  else if (GO_TO[key]) window.location.assign(GO_TO[key]);
}

function handle(event) {
  const key = event.key;
  const article = stream.currentArticle();
  switch (key) {
    case "j": stream.move(1); return true;
    case "k": stream.move(-1); return true;
    case " ": return space(event.shiftKey);
    case "o":
    case "Enter":
      if (article) stream.toggle(article);
      return Boolean(article);
    case "s": if (article) stream.toggleStarred(article); return true;
    case "m": if (article) stream.toggleRead(article); return true;
    case "v": stream.openOriginal(article); return true;
    case "r": document.querySelector("form[data-refresh]")?.requestSubmit(); return true;
    case "/": document.querySelector("[data-search]")?.focus(); return true;
    case "A": document.querySelector("form[data-mark-all-form]")?.requestSubmit(); return true;
    case "?": openHelp(); return true;
    case "g":
      goPending = window.setTimeout(() => { goPending = null; }, 1500);
      return true;
    case "Escape":
      if (article) stream.close(article);
      return Boolean(article);
    default:
      return false;
  }
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (inField(event.target)) {
    if (event.key === "Escape") event.target.blur();
    return;
  }
  if (help?.open) return;
  // Enter and Space keep their meaning on links, buttons and menus.
  if ((event.key === "Enter" || event.key === " ") && event.target.closest?.("a, button, summary")) return;
  if (goPending !== null) {
    window.clearTimeout(goPending);
    goPending = null;
    goTo(event.key);
    event.preventDefault();
    return;
  }
  if (handle(event)) event.preventDefault();
});
