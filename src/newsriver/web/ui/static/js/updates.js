// New articles while the page is open: every minute (and when the tab comes back into
// view) the page asks whether unread articles arrived after the newest it knew of. If
// so, a banner offers to reload; the tab title always shows the unread count.

import { getJSON } from "./http.js";
import { root, setTitleCount } from "./stream.js";

const INTERVAL_MS = 60_000;

export function watchForNew() {
  if (!root) return;
  const since = Number(root.dataset.newestId || 0);
  const banner = document.querySelector("[data-new-articles]");

  async function check() {
    if (document.hidden) return;
    try {
      const found = await getJSON(`/check-new?since=${since}`);
      setTitleCount(found.unread);
      if (found.new_unread > 0 && banner) banner.hidden = false;
    } catch (error) {
      // Offline or restarting: the next check will tell.
    }
  }

  window.setInterval(check, INTERVAL_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) check();
  });
  banner?.addEventListener("click", () => {
    window.location.assign(root.dataset.streamUrl || window.location.pathname);
  });
}
