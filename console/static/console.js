// Bastion console: draws controls from the signed-in user's permissions
// and redraws them whenever the server's event stream says they changed.
// This only hides what the user cannot use; the server checks every action.
(function () {
  "use strict";
  var body = document.body;
  var prefix = body.dataset.prefix || "";

  // Ask before destructive submits.
  document.addEventListener("submit", function (ev) {
    var btn = ev.submitter;
    if (btn && btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) {
      ev.preventDefault();
    }
  });

  // The assignments filter: the input's name follows the chosen field.
  var by = document.getElementById("assign-by");
  var value = document.getElementById("assign-value");
  if (by && value) {
    by.addEventListener("change", function () { value.name = by.value; });
  }

  if (body.dataset.signedIn !== "true") {
    return;
  }

  var perms = null;
  var applied = 0;
  var previous = null;

  function changedSincePrevious() {
    return previous !== null && previous !== JSON.stringify(perms.entities);
  }

  function held(permission, id) {
    for (var i = 0; i < perms.entities.length; i++) {
      var ep = perms.entities[i];
      if (ep.entity_id === id && (ep.permissions || []).indexOf(permission) >= 0) {
        return true;
      }
    }
    return false;
  }

  // can mirrors the server's view: an assignment on an entity covers the
  // entity and everything below it; no entity means "anywhere".
  function can(permission, entity) {
    if (!perms) {
      return false;
    }
    if (!entity) {
      for (var i = 0; i < perms.entities.length; i++) {
        if (held(permission, perms.entities[i].entity_id)) {
          return true;
        }
      }
      return false;
    }
    for (var id = entity, d = 0; id && d < 8; d++) {
      if (held(permission, id)) {
        return true;
      }
      id = perms.parents[id];
    }
    return false;
  }

  function drawPermissionList() {
    var list = document.getElementById("my-permissions");
    if (!list) {
      return;
    }
    list.textContent = "";
    if (perms.entities.length === 0) {
      var none = document.createElement("li");
      none.textContent = "No role grants you anything yet.";
      list.appendChild(none);
      return;
    }
    perms.entities.forEach(function (ep) {
      var li = document.createElement("li");
      var strong = document.createElement("strong");
      strong.textContent = ep.entity_id;
      li.appendChild(strong);
      li.appendChild(document.createTextNode(" (" + ep.entity_type + "): " + (ep.permissions || []).join(", ")));
      list.appendChild(li);
    });
  }

  function apply() {
    document.querySelectorAll("[data-needs]").forEach(function (el) {
      el.hidden = !can(el.dataset.needs, el.dataset.entity || "");
    });
    // A select whose chosen option became hidden moves to a visible one.
    document.querySelectorAll("select").forEach(function (sel) {
      var opt = sel.options[sel.selectedIndex];
      if (opt && opt.hidden) {
        for (var i = 0; i < sel.options.length; i++) {
          if (!sel.options[i].hidden) {
            sel.selectedIndex = i;
            break;
          }
        }
      }
    });
    drawPermissionList();
    if (applied > 0 && String(perms.revision) !== body.dataset.permRevision && changedSincePrevious()) {
      var note = document.getElementById("notice");
      if (note) {
        note.textContent = "Your permissions changed. This page now shows what you can do.";
        note.hidden = false;
      }
    }
    previous = JSON.stringify(perms.entities);
    applied++;
    body.dataset.permRevision = String(perms.revision);
    body.dataset.permApplied = String(applied);
  }

  function showError(msg) {
    var el = document.getElementById("error");
    if (el) {
      el.textContent = msg;
      el.hidden = false;
    }
  }

  // refresh fetches the permissions; calls during a fetch run once after it.
  var inflight = false;
  var again = false;
  function refresh() {
    if (inflight) {
      again = true;
      return;
    }
    inflight = true;
    fetch(prefix + "/api/permissions", { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (res) {
        if (res.status === 401) {
          throw new Error("You are signed out. Sign in again.");
        }
        if (!res.ok) {
          throw new Error("Your permissions could not be read (" + res.status + ").");
        }
        return res.json();
      })
      .then(function (p) {
        perms = p;
        apply();
      })
      .catch(function (err) {
        showError(err.message);
      })
      .finally(function () {
        inflight = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  refresh();
  if (window.EventSource) {
    var es = new EventSource(prefix + "/events");
    es.addEventListener("ready", function () {
      body.dataset.live = "on";
      // Changes made before the stream opened: look again.
      refresh();
    });
    es.addEventListener("permissions", refresh);
    es.addEventListener("error", function () {
      body.dataset.live = "reconnecting";
    });
  }
})();
