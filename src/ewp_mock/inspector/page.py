"""The inspector's HTML page: static markup, inline style and script, the columns as JSON.

The page is the same for every node but for the columns it shows, given as
a JSON island (``<script type="application/json">``, ``<`` escaped) that the
script reads. The script builds each row with ``textContent``: whatever a
partner sent (a URL, a header, a body) shows as text. The
Content-Security-Policy allows inline style and script, and connections to
the page's own origin and the columns' origins: nothing else loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Final

__all__ = ["POLL_MS", "NodeColumn", "render_page"]

#: How often each column asks its feed for new exchanges.
POLL_MS: Final = 1000


@dataclass(frozen=True, slots=True)
class NodeColumn:
    """One column: the node's ``name`` (its HEIs), its base ``url`` and its ``feed``."""

    name: str
    url: str
    feed: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "url": self.url, "feed": self.feed}


_STYLE: Final = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2329;
background:#f6f7f9}
header{padding:14px 24px;background:#fff;border-bottom:1px solid #dde1e6}
h1{font-size:19px;margin:0 0 4px}
.meta{color:#57606a;font-size:13px}
main{display:grid;grid-auto-flow:column;grid-auto-columns:minmax(420px,1fr);gap:14px;
padding:14px 24px;overflow-x:auto}
section.node{background:#fff;border:1px solid #dde1e6;border-radius:6px;min-width:0}
section.node h2{font-size:15px;margin:0;padding:10px 12px 2px}
.state{font-size:12px;color:#57606a;padding:0 12px 8px;border-bottom:1px solid #eef0f3}
.state.down{color:#a40e26}
ol.timeline{list-style:none;margin:0;padding:0}
li.exchange{border-bottom:1px solid #eef0f3}
button.summary{all:unset;box-sizing:border-box;display:block;width:100%;cursor:pointer;
padding:6px 12px}
button.summary:hover{background:#f6f8fa}
button.summary:focus-visible{outline:2px solid #0969da}
.line{display:flex;gap:8px;align-items:baseline;font-family:ui-monospace,monospace;font-size:12px}
.seq{color:#8c959f;min-width:34px}.dir{font-weight:700;min-width:26px}
.dir.in{color:#0969da}.dir.out{color:#8250df}
.target{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.status{font-weight:700;padding:1px 5px;border-radius:3px}
.status.ok{background:#dafbe1;color:#116329}.status.bad{background:#ffebe9;color:#a40e26}
.status.none{background:#eaeef2;color:#57606a}
.tags{font-size:11px;margin-top:3px;display:flex;flex-wrap:wrap;gap:4px}
.tag{padding:0 5px;border-radius:3px;background:#eaeef2;color:#3d444d}
.tag.good{background:#dafbe1;color:#116329}.tag.bad{background:#ffebe9;color:#a40e26}
.tag.scenario{background:#fff8c5;color:#7d4e00}.tag.issue{background:#fbefff;color:#8250df}
.detail{padding:6px 12px 10px;background:#fbfcfd}
.detail h3{font-size:12px;margin:8px 0 2px;color:#57606a;text-transform:uppercase}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,monospace;
max-height:420px;overflow:auto}
"""

_SCRIPT: Final = r"""
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("inspector-config").textContent);
  var MAX_ROWS = 1000;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function tag(list, cls, text) { list.appendChild(el("span", "tag " + cls, text)); }
  function target(url) {
    try { var u = new URL(url); return u.pathname + u.search; } catch (e) { return url; }
  }
  function schema(list, which, verdict) {
    if (!verdict) { return; }
    var good = verdict.verdict === "valid";
    var bad = verdict.verdict === "invalid" || verdict.verdict === "not-xml";
    var text = which + " " + verdict.verdict +
      (verdict.document ? " (" + verdict.document + ")" : "");
    tag(list, good ? "good" : (bad ? "bad" : ""), text);
  }
  function headers(pairs) {
    return pairs.map(function (p) { return p[0] + ": " + p[1]; }).join("\n");
  }
  function detail(ex) {
    var box = el("div", "detail");
    box.hidden = true;
    function part(title, text) {
      box.appendChild(el("h3", null, title));
      box.appendChild(el("pre", null, text === "" ? "(empty)" : text));
    }
    box.appendChild(el("div", "meta", ex.method + " " + ex.url));
    if (ex.error) { part("error", ex.error); }
    part("request headers", headers(ex.request_headers));
    part("request body (" + ex.request_size + " bytes, personal data " + ex.personal_data + ")",
         ex.request_body);
    part("response headers", headers(ex.response_headers));
    part("response body (" + ex.response_size + " bytes, personal data " + ex.personal_data + ")",
         ex.response_body);
    if (ex.response_schema && ex.response_schema.violations.length) {
      part("response schema violations", ex.response_schema.violations.join("\n"));
    }
    if (ex.request_schema && ex.request_schema.violations.length) {
      part("request schema violations", ex.request_schema.violations.join("\n"));
    }
    return box;
  }
  function row(ex) {
    var item = el("li", "exchange");
    item.setAttribute("data-seq", ex.seq);
    item.setAttribute("data-direction", ex.direction);
    item.setAttribute("data-verdict", ex.verdict);
    var button = el("button", "summary");
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    var line = el("div", "line");
    line.appendChild(el("span", "seq", "#" + ex.seq));
    line.appendChild(el("span", "time", ex.at.substring(11, 19)));
    line.appendChild(el("span", "dir " + ex.direction, ex.direction === "in" ? "in" : "out"));
    line.appendChild(el("span", "method", ex.method));
    var where = el("span", "target", target(ex.url));
    where.title = ex.url;
    line.appendChild(where);
    var status = ex.status === null ? "none" : (ex.status < 400 ? "ok" : "bad");
    line.appendChild(el("span", "status " + status, ex.status === null ? "-" : ex.status));
    button.appendChild(line);
    var tags = el("div", "tags");
    tag(tags, ex.verdict === "ok" ? "good" : "bad", ex.verdict);
    var sig = ex.request_signature;
    var sigGood = sig === "verified" || sig === "signed";
    var sigBad = !sigGood && sig !== "unsigned" && sig !== "not-reported";
    tag(tags, sigGood ? "good" : (sigBad ? "bad" : ""), "request " + sig);
    tag(tags, ex.response_signed ? "good" : "",
        ex.response_signed ? "response signed" : "response unsigned");
    schema(tags, "request", ex.request_schema);
    schema(tags, "response", ex.response_schema);
    (ex.scenarios || []).forEach(function (name) { tag(tags, "scenario", "scenario " + name); });
    if (ex.known_issue) { tag(tags, "issue", "known issue " + ex.known_issue); }
    tag(tags, "", Math.round(ex.ms) + " ms");
    button.appendChild(tags);
    var box = detail(ex);
    button.addEventListener("click", function () {
      box.hidden = !box.hidden;
      button.setAttribute("aria-expanded", box.hidden ? "false" : "true");
    });
    item.appendChild(button);
    item.appendChild(box);
    return item;
  }
  function column(node, index) {
    var section = el("section", "node");
    section.setAttribute("data-node", node.name);
    section.setAttribute("data-index", index);
    section.appendChild(el("h2", null, node.name));
    var state = el("div", "state", node.url + " \u00b7 connecting");
    section.appendChild(state);
    var list = el("ol", "timeline");
    section.appendChild(list);
    document.getElementById("columns").appendChild(section);
    var last = 0;
    function poll() {
      fetch(node.feed + "?since=" + last, {cache: "no-store", credentials: "omit"})
        .then(function (answer) {
          if (!answer.ok) { throw new Error("HTTP " + answer.status); }
          return answer.json();
        })
        .then(function (doc) {
          if (doc.latest < last) { list.textContent = ""; last = 0; }  // the node restarted
          doc.exchanges.forEach(function (ex) {
            list.appendChild(row(ex));
            last = Math.max(last, ex.seq);
          });
          while (list.children.length > MAX_ROWS) { list.removeChild(list.firstChild); }
          state.className = "state";
          state.textContent = node.url + " \u00b7 following \u00b7 " + list.children.length +
            " exchange(s) \u00b7 personal data " + doc.personal_data;
          setTimeout(poll, doc.exchanges.length && last < doc.latest ? 0 : config.interval);
        })
        .catch(function (error) {
          state.className = "state down";
          state.textContent = node.url + " \u00b7 unreachable (" + error.message + "), retrying";
          setTimeout(poll, config.interval * 3);
        });
    }
    poll();
  }
  config.nodes.forEach(column);
})();
"""


def _csp(nodes: list[NodeColumn]) -> str:
    origins = sorted({n.url for n in nodes if n.feed.startswith(("http://", "https://"))})
    connect = " ".join(["'self'", *origins])
    return (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        f"connect-src {connect}; img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_page(nodes: list[NodeColumn]) -> tuple[str, str]:
    """The page showing ``nodes`` (the first is the node serving it), and its CSP header.

    The page repeats the policy in a ``<meta>`` element (it still holds in a
    saved copy), without ``frame-ancestors``, which only a header may carry.
    """
    policy = _csp(nodes)
    island = json.dumps({"nodes": [n.as_dict() for n in nodes], "interval": POLL_MS})
    island = island.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{escape(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ewp-mock exchange inspector</title>
<style>{_STYLE}</style>
</head>
<body>
<header>
<h1>ewp-mock exchange inspector</h1>
<div class="meta">Requests each node answered (in) and sent (out), oldest first, followed
every {POLL_MS // 1000} s. Click an exchange for its headers and bodies.</div>
</header>
<main id="columns"></main>
<script type="application/json" id="inspector-config">{island}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""
    return page, f"{policy}; frame-ancestors 'none'"
