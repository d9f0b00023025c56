// The articles of a stream page: opening them in place, read and starred state, labels,
// and the unread counts (sidebar, heading, tab title) that follow each change.
// Every change is shown at once and undone if the server refuses it.

import { postForm } from "./http.js";

export const root = document.getElementById("stream");
const readOnly = root?.dataset.readOnly === "true";
let current = null;

const isReader = () => root?.dataset.view === "reader";

export function articles() {
  return [...document.querySelectorAll("article.entry")];
}

export function currentArticle() {
  return current;
}

export function showError(message) {
  const status = document.querySelector("[data-stream-status]");
  if (!status) return;
  status.textContent = message;
  status.hidden = false;
  window.setTimeout(() => {
    status.hidden = true;
  }, 6000);
}

export function setCurrent(article, { scroll = true } = {}) {
  current?.classList.remove("current");
  current = article;
  if (!article) return;
  article.classList.add("current");
  if (scroll) article.scrollIntoView({ block: "start" });
}

// The article's HTML sits in a <template> until it is first opened: nothing in it is
// rendered, nor its images loaded, for articles nobody opens.
function fill(article) {
  const content = article.querySelector(".entry-content");
  const template = article.querySelector("template.entry-html");
  if (!content || !template || content.dataset.filled) return;
  content.append(template.content.cloneNode(true));
  content.dataset.filled = "true";
}

export function isOpen(article) {
  return isReader() || article.classList.contains("open");
}

export function open(article, { scroll = true } = {}) {
  if (!isReader()) {
    for (const other of document.querySelectorAll("article.entry.open")) {
      if (other !== article) close(other);
    }
    fill(article);
    article.classList.add("open");
    article.querySelector(".entry-body").hidden = false;
    article.querySelector(".entry-toggle")?.setAttribute("aria-expanded", "true");
  }
  setCurrent(article, { scroll });
  if (root.dataset.markOnOpen === "true" && article.classList.contains("unread")) {
    setRead(article, true);
  }
}

export function close(article) {
  if (isReader()) return;
  article.classList.remove("open");
  article.querySelector(".entry-body").hidden = true;
  article.querySelector(".entry-toggle")?.setAttribute("aria-expanded", "false");
}

export function toggle(article) {
  if (!isReader() && article.classList.contains("open")) close(article);
  else open(article);
}

/** Move to the next (step 1) or previous (-1) article, opening it in the normal view. */
export function move(step) {
  const list = articles();
  if (!list.length) return;
  let index = current ? list.indexOf(current) + step : step > 0 ? 0 : list.length - 1;
  if (index < 0) index = 0;
  if (index >= list.length) {
    document.querySelector("[data-more]")?.scrollIntoView({ block: "end" });
    return;
  }
  open(list[index]);
}

function adjust(element, delta) {
  const value = Math.max(0, (parseInt(element.textContent, 10) || 0) + delta);
  element.textContent = value ? String(value) : "";
  return value;
}

export function setTitleCount(count) {
  const title = document.title.replace(/^\(\d+\) /, "");
  document.title = count > 0 ? `(${count}) ${title}` : title;
}

function labelIds(article) {
  return (article.dataset.labels || "").split(",").filter(Boolean);
}

function adjustCounts(article, delta) {
  const feed = article.dataset.feedId;
  const keys = ["all", `feed:${feed}`];
  const category = document.querySelector(`[data-feed-link="${feed}"]`)?.dataset.categoryId;
  if (category) keys.push(`category:${category}`);
  for (const label of labelIds(article)) keys.push(`label:${label}`);
  for (const key of keys) {
    for (const element of document.querySelectorAll(`[data-unread="${key}"]`)) {
      const value = adjust(element, delta);
      if (key === "all") setTitleCount(value);
    }
  }
  const heading = document.querySelector("[data-unread-heading]");
  if (heading) adjust(heading, delta);
}

function showRead(article, read) {
  article.classList.toggle("unread", !read);
  const button = article.querySelector(".read-button");
  if (!button) return;
  button.setAttribute("aria-pressed", String(!read));
  button.value = read ? "unread" : "read";
  button.textContent = read ? "○" : "●";
}

export async function setRead(article, read) {
  if (readOnly || article.classList.contains("unread") !== read) return;
  showRead(article, read);
  adjustCounts(article, read ? -1 : 1);
  try {
    await postForm("/entries/mark", { id: article.dataset.entryId, action: read ? "read" : "unread" });
  } catch (error) {
    showRead(article, !read);
    adjustCounts(article, read ? 1 : -1);
    showError(`Could not change the article: ${error.message}`);
  }
}

function showStarred(article, starred) {
  article.classList.toggle("starred", starred);
  const button = article.querySelector(".star-button");
  if (button) {
    button.setAttribute("aria-pressed", String(starred));
    button.value = starred ? "unstar" : "star";
    button.textContent = starred ? "★" : "☆";
  }
  const count = document.querySelector("[data-starred-count]");
  if (count) adjust(count, starred ? 1 : -1);
}

export async function setStarred(article, starred) {
  if (readOnly || article.classList.contains("starred") === starred) return;
  showStarred(article, starred);
  try {
    await postForm("/entries/mark", { id: article.dataset.entryId, action: starred ? "star" : "unstar" });
  } catch (error) {
    showStarred(article, !starred);
    showError(`Could not change the article: ${error.message}`);
  }
}

export function toggleRead(article) {
  setRead(article, article.classList.contains("unread"));
}

export function toggleStarred(article) {
  setStarred(article, !article.classList.contains("starred"));
}

export function openOriginal(article) {
  const link = article?.dataset.link;
  if (link) window.open(link, "_blank", "noopener,noreferrer");
}

if (root) {
  root.addEventListener("click", (event) => {
    const article = event.target.closest("article.entry");
    if (!article) return;
    if (event.target.closest(".entry-toggle")) {
      toggle(article);
      return;
    }
    // A click on the header's free space opens the article too, as in FreshRSS.
    const header = event.target.closest(".entry-header");
    if (header && !event.target.closest("a, button, form, input, label, summary")) {
      toggle(article);
    } else if (!event.target.closest(".entry-header")) {
      setCurrent(article, { scroll: false });
    }
  });

  // Star and read buttons are forms (they work without JavaScript); here they change
  // the article in place instead of reloading the page.
  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-entry-action]");
    if (!form) return;
    event.preventDefault();
    const article = form.closest("article.entry");
    if (form.dataset.entryAction === "star") toggleStarred(article);
    else toggleRead(article);
  });
}
