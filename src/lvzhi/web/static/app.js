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
  // the password rule, checked as it is typed (the server checks it again, and the common-password list)
  document.querySelectorAll("input[data-password-rule]").forEach(function (input) {
    var rule = document.getElementById(input.getAttribute("aria-describedby"));
    var old = input.form.querySelector("input[autocomplete=current-password]");
    var min = parseInt(input.dataset.min || "8", 10);
    var username = (input.dataset.username || "").toLowerCase();
    function check() {
      var value = input.value;
      var results = {
        length: value.length >= min,
        distinct: new Set(value).size >= 4,
        username: value.toLowerCase() !== username,
        old: !old || !old.value || value !== old.value
      };
      var broken = [];
      rule.querySelectorAll("li[data-check]").forEach(function (item) {
        var ok = results[item.dataset.check];
        item.classList.toggle("ok", value.length > 0 && ok);
        item.classList.toggle("bad", value.length > 0 && !ok);
        if (!ok) { broken.push(item.textContent); }
      });
      input.setCustomValidity(value.length && broken.length ? "密码不符合规则：" + broken.join("；") : "");
    }
    input.addEventListener("input", check);
    if (old) { old.addEventListener("input", check); }
  });
  var answer = document.getElementById("answer");
  if (answer) { answer.setAttribute("tabindex", "-1"); answer.focus({ preventScroll: false }); }
});
