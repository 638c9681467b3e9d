// Platform admin: accessibility fixes for markup that Django's admin scripts build in the browser.
//
// The "filter" boxes of many-to-many pickers (SelectFilter2.js) put aria-label on a plain <span>, the
// magnifier icon inside the search box's <label>. ARIA does not allow a name on a generic span; as an
// image it may have one, and that name labels the search box.
(function () {
  "use strict";
  function nameTheIcons() {
    document.querySelectorAll(".help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }
  // The pickers are built on the load event (and again for each inline form added), so watch for them.
  new MutationObserver(nameTheIcons).observe(document.documentElement, {childList: true, subtree: true});
  nameTheIcons();
})();
