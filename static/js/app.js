// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

// A table that fits needs no scrolling box, so it should not be a Tab stop either.
for (const region of document.querySelectorAll(".app-table-scroll")) {
  if (region.scrollWidth <= region.clientWidth) {
    region.removeAttribute("tabindex");
  }
}
