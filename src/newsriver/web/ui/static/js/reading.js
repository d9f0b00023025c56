// The reading pages' one entry point (each module is then loaded once, whatever
// imports it): articles, labels, keyboard, infinite scroll and the new-articles check.

import "./stream.js";
import "./labels.js";
import "./keyboard.js";
import { startInfiniteScroll } from "./scroll.js";
import { watchForNew } from "./updates.js";

startInfiniteScroll();
watchForNew();
