// Infinite scroll: the "More articles" link (a plain next-page link without JavaScript)
// loads the next page in place as it comes near; and, when the reader asked for it,
// articles are marked read once they have scrolled past the top of the window.

import { getText } from "./http.js";
import { root, setRead, showError } from "./stream.js";

let scrollMarker = null;

function watchForScrollMark(articles) {
  if (root.dataset.markOnScroll !== "true") return;
  if (!scrollMarker) {
    scrollMarker = new IntersectionObserver((items) => {
      for (const item of items) {
        // Gone above the top of the window (not below it, nor still partly visible).
        if (!item.isIntersecting && item.boundingClientRect.bottom <= 0) {
          if (item.target.classList.contains("unread")) setRead(item.target, true);
          scrollMarker.unobserve(item.target);
        }
      }
    });
  }
  for (const article of articles) scrollMarker.observe(article);
}

function append(html) {
  const holder = document.createElement("template");
  holder.innerHTML = html;
  const fragment = holder.content.querySelector("[data-fragment]");
  const entries = document.querySelector("[data-entries]");
  // The page continues the day shown last: no second separator for the same day.
  const days = entries.querySelectorAll("h2.day");
  const first = fragment.firstElementChild;
  if (first?.matches("h2.day") && days.length && days[days.length - 1].dataset.day === first.dataset.day) {
    first.remove();
  }
  const added = [...fragment.querySelectorAll("article.entry")];
  entries.append(...fragment.childNodes);
  watchForScrollMark(added);
  return { nextPage: fragment.dataset.nextPage, nextFragment: fragment.dataset.nextFragment };
}

export function startInfiniteScroll() {
  if (!root) return;
  watchForScrollMark(document.querySelectorAll("article.entry"));
  let link = document.querySelector("[data-more]");
  if (!link) return;
  let loading = false;

  const nearEnd = () => link && link.getBoundingClientRect().top < window.innerHeight + 800;

  async function loadMore() {
    if (loading || !link) return;
    loading = true;
    link.setAttribute("aria-busy", "true");
    try {
      const next = append(await getText(link.dataset.more));
      if (next.nextFragment) {
        link.href = next.nextPage;
        link.dataset.more = next.nextFragment;
        link.removeAttribute("aria-busy");
      } else {
        const end = document.createElement("p");
        end.className = "more end";
        end.dataset.streamEnd = "";
        end.textContent = "No more articles.";
        link.closest(".more").replaceWith(end);
        observer.disconnect();
        link = null;
      }
    } catch (error) {
      link?.removeAttribute("aria-busy");
      showError(`Could not load more articles: ${error.message}`);
      return;
    } finally {
      loading = false;
    }
    // Still in sight (short articles, a tall window): the observer will not fire again.
    if (nearEnd()) loadMore();
  }

  const observer = new IntersectionObserver(
    (items) => {
      if (items.some((item) => item.isIntersecting)) loadMore();
    },
    { rootMargin: "0px 0px 800px 0px" },
  );
  observer.observe(link);
  link.addEventListener("click", (event) => {
    event.preventDefault();
    loadMore();
  });
}
