// Small enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var question = document.getElementById("q");
  if (question) {
    question.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        question.form.requestSubmit();
      }
    });
  }
  var answer = document.getElementById("answer");
  if (answer) { answer.setAttribute("tabindex", "-1"); answer.focus({ preventScroll: false }); }
});
