// Labels on articles: ticking a label in an article's menu puts it on or takes it off,
// a new name creates the label (added to every menu and to the sidebar).

import { postForm } from "./http.js";
import { root, showError } from "./stream.js";

function chip(id, name) {
  const link = document.createElement("a");
  link.className = "label-chip";
  link.href = `/labels/${id}`;
  link.dataset.labelChip = id;
  link.textContent = name;
  return link;
}

function setLabel(article, id, name, on) {
  const ids = new Set((article.dataset.labels || "").split(",").filter(Boolean));
  const had = ids.has(String(id));
  if (on) ids.add(String(id));
  else ids.delete(String(id));
  article.dataset.labels = [...ids].join(",");
  const header = article.querySelector(".entry-header");
  const existing = header.querySelector(`[data-label-chip="${id}"]`);
  if (on && !existing) header.insertBefore(chip(id, name), header.querySelector("time"));
  if (!on && existing) existing.remove();
  if (had !== on && article.classList.contains("unread")) {
    for (const count of document.querySelectorAll(`[data-unread="label:${id}"]`)) {
      const value = Math.max(0, (parseInt(count.textContent, 10) || 0) + (on ? 1 : -1));
      count.textContent = value ? String(value) : "";
    }
  }
}

function addEverywhere(id, name) {
  for (const fieldset of document.querySelectorAll("[data-labels-form] fieldset")) {
    if (fieldset.querySelector(`[data-label-id="${id}"]`)) continue;
    const label = document.createElement("label");
    label.className = "label-choice";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset.labelId = id;
    box.dataset.labelName = name;
    label.append(box, ` ${name}`);
    fieldset.append(label);
  }
  const list = document.querySelector("[data-label-list]");
  if (list && !list.querySelector(`a[href="/labels/${id}"]`)) {
    list.querySelector("[data-no-labels]")?.remove();
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.className = "stream-link";
    link.href = `/labels/${id}`;
    const text = document.createElement("span");
    text.className = "name";
    text.textContent = name;
    const count = document.createElement("span");
    count.className = "count";
    count.dataset.unread = `label:${id}`;
    link.append(text, count);
    item.append(link);
    list.append(item);
  }
}

if (root) {
  root.addEventListener("change", async (event) => {
    const box = event.target.closest("input[data-label-id]");
    if (!box) return;
    const article = box.closest("article.entry");
    const { labelId, labelName } = box.dataset;
    const on = box.checked;
    setLabel(article, labelId, labelName, on);
    try {
      await postForm("/entries/labels", {
        id: article.dataset.entryId,
        label_id: labelId,
        action: on ? "add" : "remove",
      });
    } catch (error) {
      box.checked = !on;
      setLabel(article, labelId, labelName, !on);
      showError(`Could not change the labels: ${error.message}`);
    }
  });

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-labels-form]");
    if (!form) return;
    event.preventDefault();
    const input = form.querySelector('input[name="name"]');
    const name = input.value.trim();
    if (!name) return;
    const article = form.closest("article.entry");
    try {
      const response = await postForm("/entries/labels", {
        id: article.dataset.entryId,
        name,
        action: "add",
      });
      const { label } = await response.json();
      addEverywhere(label.id, label.name);
      const box = form.querySelector(`[data-label-id="${label.id}"]`);
      if (box) box.checked = true;
      setLabel(article, label.id, label.name, true);
      input.value = "";
    } catch (error) {
      showError(`Could not add the label: ${error.message}`);
    }
  });
}
