// The sandbox page: draws the state served by ui/state, acts through
// ui/message, ui/reaction and ui/click, and reloads on each event of
// ui/events.
"use strict";
(() => {
  const byTest = (id) => document.querySelector(`[data-testid="${id}"]`);
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  };

  const keys = ["team", "as", "channel", "thread"];
  const view = readURL();
  let state = null;
  let pickerFor = ""; // "<where>:<ts>" of the message whose emoji picker is open
  let loading = false;
  let reloadAgain = false;
  let loadError = false;
  const baseTitle = document.title;

  function readURL() {
    const p = new URLSearchParams(location.search);
    const v = {};
    for (const k of keys) v[k] = p.get(k) || "";
    return v;
  }

  function query(v) {
    const p = new URLSearchParams();
    for (const k of keys) if (v[k]) p.set(k, v[k]);
    return p.toString();
  }

  // go moves to another view and records it in the browser's history.
  function go(change) {
    Object.assign(view, change);
    pickerFor = "";
    clearError();
    history.pushState(null, "", "?" + query(view));
    load();
  }

  function showError(msg, fromLoad) {
    const box = byTest("error");
    box.replaceChildren(el("span", { text: msg }));
    if (fromLoad && !state) {
      box.append(" ", el("a", { href: "?", "data-testid": "error-reset", text: "Open the default view" }));
    }
    box.hidden = false;
    loadError = !!fromLoad;
  }

  function clearError() {
    byTest("error").hidden = true;
    loadError = false;
  }

  // load fetches the state for the current view and draws it. Calls made
  // while a load runs are folded into one more load after it.
  async function load() {
    if (loading) {
      reloadAgain = true;
      return;
    }
    loading = true;
    try {
      do {
        reloadAgain = false;
        const asked = query(view);
        const res = await fetch("ui/state?" + asked, { cache: "no-store" });
        const body = await res.json().catch(() => ({ error: res.statusText }));
        if (asked !== query(view)) {
          // The person moved on while this answer travelled: ask again.
          reloadAgain = true;
          continue;
        }
        if (!res.ok) {
          showError(body.error || `HTTP ${res.status}`, true);
          document.body.dataset.state = "error";
          continue;
        }
        if (loadError) clearError();
        state = body;
        const canonical = { team: state.team, as: state.as, channel: state.channel, thread: state.thread || "" };
        if (keys.some((k) => canonical[k] !== view[k])) {
          Object.assign(view, canonical);
          history.replaceState(null, "", "?" + query(view));
        }
        render();
      } while (reloadAgain);
    } catch (err) {
      showError("cannot reach the sandbox: " + err.message, true);
    } finally {
      loading = false;
    }
  }

  async function send(path, payload) {
    clearError();
    try {
      const res = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(payload),
      });
      const body = await res.json().catch(() => ({ error: res.statusText }));
      if (!res.ok) {
        showError(body.error || `HTTP ${res.status}`, false);
        return null;
      }
      return body;
    } catch (err) {
      showError("cannot reach the sandbox: " + err.message, false);
      return null;
    } finally {
      load();
    }
  }

  function userOf(id) {
    return state.users.find((u) => u.id === id);
  }

  function channelOf(id) {
    return state.channels.find((c) => c.id === id);
  }

  function channelTitle(c) {
    if (c.type === "im") return "@" + c.name;
    return (c.type === "group" ? "🔒 " : "# ") + c.name;
  }

  function personName(u) {
    return u.real_name || u.name;
  }

  // Drawing replaces only what changed, so that a click is never lost to
  // a redraw of the element under the pointer: the page reloads its state
  // at every change of the sandbox, most of which it does not show.
  const drawn = {};

  function changed(section, ...inputs) {
    const key = JSON.stringify(inputs);
    if (drawn[section] === key) return false;
    drawn[section] = key;
    return true;
  }

  let nodes = new Map(); // "<where>:<ts>" -> {key, node}

  function messageNode(m, where, parent, next) {
    const id = where + ":" + m.ts;
    const key = JSON.stringify([m, pickerFor === id, !!parent, state.emoji]);
    const old = nodes.get(id);
    const node = old && old.key === key ? old.node : message(m, where, parent);
    next.set(id, { key, node });
    return node;
  }

  function setChildren(box, children) {
    const same = children.length === box.children.length && children.every((n, i) => box.children[i] === n);
    if (!same) box.replaceChildren(...children);
  }

  function render() {
    document.body.dataset.state = "ready";
    document.body.dataset.as = state.as;
    document.body.dataset.team = state.team;
    document.body.dataset.channel = state.channel;
    if (changed("teams", state.teams, state.team)) renderTeams();
    if (changed("users", state.users, state.as)) renderUsers();
    if (changed("channels", state.channels, state.channel, state.team, state.as, state.users)) renderChannels();
    const next = new Map();
    renderMessages(next);
    renderThread(next);
    nodes = next;
  }

  function renderTeams() {
    const team = state.teams.find((t) => t.id === state.team);
    byTest("team-name").textContent = team ? team.name : state.team;
    const picker = byTest("team-picker");
    picker.hidden = state.teams.length < 2;
    picker.replaceChildren(...state.teams.map((t) =>
      el("option", { value: t.id, selected: t.id === state.team, "data-testid": "team-option" }, t.name)));
    picker.value = state.team;
  }

  function renderUsers() {
    const picker = byTest("user-picker");
    picker.replaceChildren(...state.users.map((u) => {
      let words = `${personName(u)} (@${u.name}) — ${u.kind_label}`;
      if (u.label) words += ` · ${u.label}`;
      return el("option", { value: u.id, selected: u.id === state.as, "data-testid": "user-option", "data-kind": u.kind }, words);
    }));
    picker.value = state.as;
    const me = userOf(state.as);
    const card = byTest("current-user");
    card.dataset.user = state.as;
    card.dataset.kind = me ? me.kind : "";
    card.replaceChildren(
      el("div", { class: "name", text: me ? personName(me) : state.as }),
      el("span", { class: "badge kind-" + (me ? me.kind : ""), "data-testid": "current-user-kind", text: me ? me.kind_label : "" }),
    );
    if (me && me.label) card.append(el("span", { class: "badge label", "data-testid": "current-user-label", text: me.label }));
  }

  function renderChannels() {
    const nav = byTest("channels");
    const link = (c) => el("a", {
      href: "?" + query({ team: state.team, as: state.as, channel: c.id }),
      "data-testid": "channel", "data-channel": c.id, "data-type": c.type,
      class: c.id === state.channel ? "active" : "",
      "aria-current": c.id === state.channel ? "page" : false,
    }, channelTitle(c));
    const rooms = state.channels.filter((c) => c.type !== "im");
    const dms = state.channels.filter((c) => c.type === "im");
    nav.replaceChildren(
      el("h3", { text: "Channels" }), ...rooms.map(link),
      el("h3", { text: "Direct messages" }), ...dms.map(link),
    );
    const c = channelOf(state.channel);
    const me = userOf(state.as);
    byTest("channel-header").replaceChildren(
      el("span", { "data-testid": "channel-title", text: c ? channelTitle(c) : state.channel }),
      el("span", { class: "who", text: "you are " + (me ? personName(me) : state.as) }),
    );
    document.title = c ? `${channelTitle(c)} — ${baseTitle}` : baseTitle;
  }

  function renderMessages(next) {
    const box = byTest("messages");
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60 || box.dataset.channel !== state.channel;
    const children = state.messages.map((m) => messageNode(m, "main", false, next));
    if (children.length === 0) {
      children.push(el("div", { class: "message note", "data-testid": "empty", text: "No messages yet. Say hello, or mention the bot with @" + botName() + "." }));
    }
    setChildren(box, children);
    box.dataset.channel = state.channel;
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function renderThread(next) {
    const panel = byTest("thread-panel");
    const box = byTest("thread-messages");
    if (!state.thread) {
      panel.hidden = true;
      panel.removeAttribute("data-ts");
      box.replaceChildren();
      return;
    }
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 60 || panel.dataset.ts !== state.thread;
    panel.hidden = false;
    panel.dataset.ts = state.thread;
    setChildren(box, state.thread_messages.map((m, i) => messageNode(m, "thread", i === 0, next)));
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  function botName() {
    const dm = state.channels.find((c) => c.type === "im");
    return dm ? dm.name : "bot";
  }

  function message(m, where, parent) {
    const time = new Date(m.time_ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const body = el("div", { class: "body", "data-testid": "message-body" });
    body.innerHTML = m.html; // rendered and escaped by the server
    const node = el("div", {
      class: "message" + (m.ephemeral ? " ephemeral" : "") + (parent ? " parent" : ""),
      "data-testid": "message", "data-ts": m.ts, "data-user": m.user, "data-bot": m.bot ? "true" : "false",
      "data-ephemeral": m.ephemeral ? "true" : false,
    },
      el("div", { class: "meta" },
        el("span", { class: "author", "data-testid": "message-author", text: m.user_name }),
        m.bot ? el("span", { class: "app-badge", text: "APP" }) : null,
        el("span", { class: "time", title: m.ts, text: time }),
        m.edited ? el("span", { class: "note", text: " (edited)" }) : null),
      m.ephemeral ? el("div", { class: "note", text: "Only visible to you" }) : null,
      body);
    if (!m.ephemeral) node.append(reactions(m, where));
    if (where === "main" && !m.ephemeral) {
      const n = m.reply_count;
      node.append(el("button", {
        type: "button", class: "thread-open" + (n ? "" : " none"), "data-testid": "thread-open", "data-ts": m.ts,
        "data-replies": String(n),
      }, n ? `${n} ${n === 1 ? "reply" : "replies"}` : "Reply in thread"));
    }
    return node;
  }

  function reactions(m, where) {
    const bar = el("div", { class: "reactions", "data-testid": "reactions" });
    for (const r of m.reactions) {
      bar.append(el("button", {
        type: "button", class: "reaction", "data-testid": "reaction", "data-ts": m.ts, "data-emoji": r.name,
        "data-count": String(r.count), "aria-pressed": r.mine ? "true" : "false",
        title: `:${r.name}: by ${r.user_names.join(", ")}`,
      },
        el("span", { class: "emoji", text: r.emoji }), " ",
        el("span", { class: "count", "data-testid": "reaction-count", text: String(r.count) }),
        el("span", { class: "who", "data-testid": "reaction-users", text: r.user_names.join(", ") })));
    }
    const key = where + ":" + m.ts;
    bar.append(el("button", {
      type: "button", class: "reaction-add", "data-testid": "reaction-add", "data-ts": m.ts, "data-where": where,
      "aria-expanded": pickerFor === key ? "true" : "false", title: "Add reaction",
    }, "☺+"));
    if (pickerFor === key) {
      bar.append(el("span", { class: "picker", "data-testid": "reaction-picker" },
        ...state.emoji.map((e) => el("button", {
          type: "button", "data-testid": "reaction-pick", "data-ts": m.ts, "data-emoji": e.name, title: ":" + e.name + ":",
        }, e.emoji))));
    }
    return bar;
  }

  function myReaction(ts, emoji) {
    const all = state.messages.concat(state.thread_messages || []);
    const m = all.find((x) => x.ts === ts);
    const r = m && m.reactions.find((x) => x.name === emoji);
    return !!(r && r.mine);
  }

  function react(ts, emoji) {
    const remove = myReaction(ts, emoji);
    pickerFor = "";
    return send("ui/reaction", { team: state.team, channel: state.channel, as: state.as, ts, emoji, remove });
  }

  const actionable = ["channel", "reaction", "reaction-pick", "reaction-add", "thread-open", "thread-close", "block-button"]
    .map((id) => `[data-testid="${id}"]`).join(",");

  document.addEventListener("click", (ev) => {
    const t = ev.target.closest(actionable);
    if (!t || !state) return;
    switch (t.dataset.testid) {
      case "channel":
        ev.preventDefault();
        go({ channel: t.dataset.channel, thread: "" });
        break;
      case "reaction":
      case "reaction-pick":
        react(t.dataset.ts, t.dataset.emoji);
        break;
      case "reaction-add": {
        const key = t.dataset.where + ":" + t.dataset.ts;
        pickerFor = pickerFor === key ? "" : key;
        render();
        break;
      }
      case "thread-open":
        go({ thread: t.dataset.ts });
        break;
      case "thread-close":
        go({ thread: "" });
        break;
      case "block-button": {
        const msg = t.closest('[data-testid="message"]');
        if (!msg || t.disabled) break;
        t.disabled = true;
        send("ui/click", { team: state.team, channel: state.channel, as: state.as, ts: msg.dataset.ts, action_id: t.dataset.actionId })
          .finally(() => { t.disabled = false; });
        break;
      }
    }
  });

  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && pickerFor) {
      pickerFor = "";
      render();
    }
  });

  byTest("user-picker").addEventListener("change", (ev) => {
    const c = state && channelOf(state.channel);
    const leaveDM = c && c.type === "im";
    go({ as: ev.target.value, channel: leaveDM ? "" : view.channel, thread: leaveDM ? "" : view.thread });
  });

  byTest("team-picker").addEventListener("change", (ev) => {
    go({ team: ev.target.value, as: "", channel: "", thread: "" });
  });

  function composer(formID, inputID, threadOf) {
    const form = byTest(formID);
    const input = byTest(inputID);
    let sending = false;
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (sending || !state) return;
      sending = true;
      try {
        const payload = { team: state.team, channel: state.channel, as: state.as, text: input.value };
        const thread = threadOf();
        if (thread) payload.thread_ts = thread;
        if (await send("ui/message", payload)) input.value = "";
      } finally {
        sending = false;
      }
    });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        form.requestSubmit();
      }
    });
  }
  composer("composer", "composer-input", () => "");
  composer("thread-composer", "thread-input", () => state && state.thread);

  window.addEventListener("popstate", () => {
    Object.assign(view, readURL());
    pickerFor = "";
    load();
  });

  function connect() {
    const live = byTest("live");
    const events = new EventSource("ui/events");
    events.addEventListener("open", () => {
      live.dataset.state = "open";
      live.textContent = "● live";
    });
    events.addEventListener("change", () => load());
    events.addEventListener("error", () => {
      live.dataset.state = "reconnecting";
      live.textContent = "reconnecting…";
    });
  }

  load();
  connect();
})();
