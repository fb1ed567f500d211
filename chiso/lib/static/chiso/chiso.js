// Small behaviours that used to be inline handlers (onchange=, onclick=, hx-on), which the
// Content-Security-Policy refuses: markup says what it wants with a data- attribute.
(function () {
  // <select data-autosubmit>: choosing an option submits its form (a button in <noscript>
  // does the same without JavaScript).
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (box.matches && box.matches("select[data-autosubmit]") && box.form) box.form.submit();
  });
  // <input data-select-on-focus>: one click selects the whole value (a token to copy).
  document.addEventListener("click", function (e) {
    var box = e.target;
    if (box.matches && box.matches("input[data-select-on-focus]")) box.select();
  });
  // [data-mark-invalid]: after each htmx save, flag the inputs whose error message is shown.
  document.addEventListener("htmx:afterRequest", function (e) {
    var group = e.target.closest && e.target.closest("[data-mark-invalid]");
    if (!group) return;
    group.querySelectorAll("[name]").forEach(function (box) {
      var message = document.getElementById("err-" + box.name);
      if (message && message.textContent.trim()) box.setAttribute("aria-invalid", "true");
      else box.removeAttribute("aria-invalid");
    });
  });
})();
