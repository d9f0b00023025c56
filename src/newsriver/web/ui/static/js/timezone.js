// Fills <input data-browser-timezone> with the browser's IANA time zone, so that a new
// account's day separators ("Today", "Yesterday") follow the user's own midnight.
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
if (zone) {
  for (const input of document.querySelectorAll("input[data-browser-timezone]")) {
    input.value = zone;
  }
}
