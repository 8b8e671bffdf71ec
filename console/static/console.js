// Bastion console: draws controls and data from the signed-in user's
// permissions and follows them whenever the server's event stream says
// they changed: what the user may no longer see or use is hidden at once,
// and a page whose user gained a permission is drawn again by the server.
// This only hides; the server decides what a page holds and checks every
// action.
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

  // The assignments filter: the input's name, and the choices its picker
  // offers, follow the chosen field. Listened for on the document, so it
  // survives a redraw of the page.
  var filterLists = { user: "users", entity: "entity-options", role: "role-options" };
  document.addEventListener("change", function (ev) {
    var value = document.getElementById("assign-value");
    if (ev.target && ev.target.id === "assign-by" && value) {
      value.name = ev.target.value;
      value.setAttribute("list", filterLists[ev.target.value] || "users");
      value.value = "";
      var box = document.getElementById("assign-value-search");
      if (box) {
        box.value = "";
      }
    }
  });

  // Pickers. An input with data-picker and a datalist (list="ID") of
  // options (value: the id; label: the name; data-search: more text to
  // find it by) becomes a search box: typing part of a name or id lists
  // the matches, names starting with the text first, and choosing one
  // puts its id in the input, which the form sends. Names are only
  // searched and shown: what is sent is always the chosen option's id,
  // or a typed id when "Use the id" is chosen. Without the script, the
  // input and its datalist work as the browser draws them.
  var idPattern = /^[A-Za-z0-9_.:-]{1,64}$/;

  function pickerOptions(listID) {
    var dl = listID && document.getElementById(listID);
    if (!dl) {
      return [];
    }
    var out = [];
    for (var i = 0; i < dl.options.length; i++) {
      var o = dl.options[i];
      if (o.hidden) {
        continue;
      }
      var label = o.label || o.value;
      out.push({ id: o.value, label: label, hay: (label + "\n" + (o.dataset.search || "") + "\n" + o.value).toLowerCase() });
    }
    return out;
  }

  function enhancePicker(input) {
    if (input.dataset.pickerReady === "true") {
      return;
    }
    input.dataset.pickerReady = "true";
    var wrap = document.createElement("span");
    wrap.className = "picker";
    var box = document.createElement("input");
    box.type = "text";
    box.autocomplete = "off";
    box.className = "picker-box";
    box.placeholder = input.placeholder || "Type a name";
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    var list = document.createElement("ul");
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (input.id) {
      box.id = input.id + "-search";
      box.dataset.testid = input.id + "-search";
      list.id = input.id + "-choices";
      list.dataset.testid = input.id + "-choices";
      box.setAttribute("aria-controls", list.id);
    }
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(box);
    wrap.appendChild(list);
    var required = input.required;
    input.required = false;
    input.type = "hidden";

    var shown = [];
    var active = -1;
    // chosen is the label shown for the chosen option: a box showing it
    // lists every choice, and typing replaces it.
    var chosen = "";
    function labelOf(id) {
      var all = pickerOptions(input.getAttribute("list"));
      for (var i = 0; i < all.length; i++) {
        if (all[i].id === id) {
          return all[i].label;
        }
      }
      return id;
    }
    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }
    function choose(o) {
      input.value = o.id;
      box.value = o.raw ? o.id : o.label;
      chosen = box.value;
      box.setCustomValidity("");
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function mark(i) {
      var items = list.querySelectorAll("li[role=option]");
      items.forEach(function (li, j) {
        li.classList.toggle("active", j === i);
      });
      active = i;
      if (items[i]) {
        box.setAttribute("aria-activedescendant", items[i].id);
      }
    }
    function render() {
      var typed = box.value === chosen ? "" : box.value.trim();
      var q = typed.toLowerCase();
      var all = pickerOptions(input.getAttribute("list"));
      var hits = all.filter(function (o) { return !q || o.hay.indexOf(q) >= 0; });
      hits.sort(function (a, b) {
        var pa = a.label.toLowerCase().indexOf(q) === 0 ? 0 : 1;
        var pb = b.label.toLowerCase().indexOf(q) === 0 ? 0 : 1;
        return pa - pb || a.label.localeCompare(b.label);
      });
      shown = hits.slice(0, 20);
      if (typed && idPattern.test(typed) && !all.some(function (o) { return o.id === typed; })) {
        shown.push({ id: typed, label: typed, raw: true });
      }
      list.textContent = "";
      shown.forEach(function (o, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = (list.id || "picker") + "-" + i;
        li.dataset.value = o.id;
        if (o.raw) {
          li.className = "raw";
          li.textContent = "Use the id \u201c" + o.id + "\u201d";
        } else {
          var name = document.createElement("span");
          name.className = "name";
          name.textContent = o.label;
          var id = document.createElement("span");
          id.className = "muted";
          id.textContent = o.id;
          li.appendChild(name);
          li.appendChild(document.createTextNode(" "));
          li.appendChild(id);
        }
        li.addEventListener("mousedown", function (ev) {
          ev.preventDefault();
          choose(o);
        });
        list.appendChild(li);
      });
      if (shown.length === 0) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = "No match.";
        list.appendChild(none);
      }
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      active = -1;
    }
    box.addEventListener("input", function () {
      input.value = "";
      chosen = "";
      box.setCustomValidity("");
      render();
    });
    box.addEventListener("focus", function () {
      if (chosen && box.value === chosen) {
        box.select();
      }
      render();
    });
    box.addEventListener("blur", close);
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        if (list.hidden) {
          render();
        }
        var n = shown.length;
        if (n > 0) {
          mark(ev.key === "ArrowDown" ? (active + 1) % n : (active + n - 1) % n);
        }
      } else if (ev.key === "Enter" && !list.hidden && shown.length > 0) {
        ev.preventDefault();
        choose(shown[active >= 0 ? active : 0]);
      } else if (ev.key === "Escape") {
        close();
      }
    });
    if (input.form) {
      input.form.addEventListener("submit", function (ev) {
        if (!input.value && (required || box.value.trim() !== "")) {
          ev.preventDefault();
          ev.stopImmediatePropagation();
          box.setCustomValidity("Choose from the list: type part of a name or id, then pick one.");
          box.reportValidity();
        }
      });
    }
    if (input.value) {
      box.value = chosen = labelOf(input.value);
    }
  }

  function enhancePickers() {
    document.querySelectorAll("input[data-picker]").forEach(enhancePicker);
  }
  enhancePickers();

  if (body.dataset.signedIn !== "true") {
    return;
  }

  // What the user held when the page was drawn, then at each update.
  var perms = null;
  var version = body.dataset.permVersion || "";
  var applied = 0;
  var none = { entities: [], parents: {}, version: "" };

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

  // inLine also accepts the permission held below entity: a custom role
  // of a workspace concerns whoever may see roles in one of its channels.
  function inLine(permission, entity) {
    if (can(permission, entity)) {
      return true;
    }
    for (var i = 0; i < perms.entities.length; i++) {
      var ep = perms.entities[i];
      if (!held(permission, ep.entity_id)) {
        continue;
      }
      for (var id = perms.parents[ep.entity_id], d = 0; id && d < 8; d++) {
        if (id === entity) {
          return true;
        }
        id = perms.parents[id];
      }
    }
    return false;
  }

  // allows decides an element's data-needs: every entity it names must be
  // covered (one for most, every root for an entry about the whole tree).
  function allows(el) {
    var entities = (el.dataset.entity || "").split(" ").filter(Boolean);
    if (entities.length === 0) {
      return can(el.dataset.needs, "");
    }
    var test = el.dataset.reach === "line" ? inLine : can;
    return entities.every(function (id) { return test(el.dataset.needs, id); });
  }

  // gained reports whether next grants something that prev did not: the
  // page may then have more to show, and is drawn again.
  function gained(prev, next) {
    var had = {};
    prev.entities.forEach(function (ep) {
      (ep.permissions || []).forEach(function (p) { had[ep.entity_id + " " + p] = true; });
    });
    return next.entities.some(function (ep) {
      return (ep.permissions || []).some(function (p) { return !had[ep.entity_id + " " + p]; });
    }) || Object.keys(next.parents).some(function (id) { return prev.parents[id] !== next.parents[id]; });
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
      var label = (perms.labels || {})[ep.entity_id];
      if (label) {
        var name = document.createElement("span");
        name.className = "name";
        name.title = ep.entity_type + " " + ep.entity_id;
        name.textContent = label;
        strong.appendChild(name);
      } else {
        var id = document.createElement("span");
        id.className = "id";
        id.title = "no name known";
        id.textContent = ep.entity_id;
        strong.appendChild(id);
      }
      li.appendChild(strong);
      li.appendChild(document.createTextNode(" (" + ep.entity_type + "): " + (ep.permissions || []).join(", ")));
      list.appendChild(li);
    });
  }

  // apply hides what the user may no longer see or use, and shows what
  // they may; data the page was drawn without comes with redraw.
  function apply() {
    document.querySelectorAll("[data-needs]").forEach(function (el) {
      el.hidden = !allows(el);
    });
    document.querySelectorAll("[data-lacks]").forEach(function (el) {
      el.hidden = can(el.dataset.lacks, "");
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
    if (perms.version !== version) {
      var note = document.getElementById("notice");
      if (note && perms.version) {
        note.textContent = "Your permissions changed. This page now shows what you can do.";
        note.hidden = false;
      }
      version = perms.version;
    }
    applied++;
    body.dataset.permVersion = version;
    body.dataset.permApplied = String(applied);
  }

  // redraw fetches the page again and replaces its content, keeping the
  // document (and the notice); a page that cannot be fetched again (the
  // answer to a form) keeps its content.
  function redraw() {
    return fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
      .then(function (res) {
        // 403 is a page that says which permission its data needs.
        if (res.status !== 200 && res.status !== 403) {
          return;
        }
        return res.text().then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("content");
          var current = document.getElementById("content");
          if (fresh && current) {
            current.replaceWith(document.importNode(fresh, true));
            enhancePickers();
          }
        });
      })
      .catch(function () {});
  }

  function showError(msg) {
    var el = document.getElementById("error");
    if (el) {
      el.textContent = msg;
      el.hidden = false;
    }
  }

  // refresh fetches the permissions; calls during a fetch run once after
  // it. Permissions that cannot be read count as none: the page hides
  // everything that needs one.
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
        var prev = perms;
        perms = p;
        var first = prev === null;
        if (first ? p.version !== version : gained(prev, p)) {
          return redraw().then(apply);
        }
        apply();
      })
      .catch(function (err) {
        perms = none;
        apply();
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
