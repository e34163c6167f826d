/* Surveys, a little better with JavaScript: the error summary takes the focus (so screen
 * readers and keyboards start there), and a question that depends on an answer on the same
 * page is shown only when that answer is given. Without this file such questions are always
 * shown with a note, and the server ignores them when the condition is not met. */
(function () {
  "use strict";

  function valuesOf(form, name) {
    var values = [];
    var fields = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) continue;
      if (field.value) values.push(field.value);
    }
    return values;
  }

  function labelFor(form, name, value) {
    var input = form.querySelector('[name="' + name + '"][value="' + value + '"]');
    var label = input && form.querySelector('label[for="' + input.id + '"]');
    return label ? label.textContent.trim() : value;
  }

  function update(form) {
    var dependents = form.querySelectorAll("[data-condition-source]");
    for (var i = 0; i < dependents.length; i++) {
      var group = dependents[i];
      var source = group.getAttribute("data-condition-source");
      var wanted = (group.getAttribute("data-condition-value") || "").toLowerCase();
      var met = valuesOf(form, source).some(function (value) {
        return value.toLowerCase() === wanted || labelFor(form, source, value).toLowerCase() === wanted;
      });
      group.hidden = !met;
      var note = group.querySelector(".survey-question__condition");
      if (note) note.hidden = true;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      // The browser scrolls to the page's #survey fragment after loading, which takes the
      // focus away again: focus the summary once more when that is done.
      window.addEventListener("load", function () {
        window.setTimeout(function () { summary.focus(); }, 0);
      });
    }
    var form = document.querySelector("[data-survey-form]");
    if (!form) return;
    update(form);
    form.addEventListener("change", function () { update(form); });
  });
})();
