/* The build page's live log: websocket replay and resume by seq, a compact line store, and a virtualised view
 * with foldable step headers, search, follow-the-tail and live status.
 *
 * The page provides (see templates/builds/build_detail.html):
 *   #build-log                  the scroll box; data-socket-path="/ws/builds/<pk>/log/"
 *   #build-log-search, -search-prev, -search-next, -search-count   the search box and its buttons
 *   #build-log-follow           the follow-the-tail toggle (aria-pressed)
 *   #build-log-connection       where the connection's state is written
 *   [data-build-status], [data-build-current-step]   updated from build.status messages
 *   #build-summary[data-refresh-url]   re-fetched (htmx) when the status changes, for the step timeline
 *
 * Lines are kept as parallel arrays of numbers and strings (source and step names interned),
 * never as DOM nodes; only the rows in view exist in the document.
 */
(function () {
  "use strict";

  const Ansi = window.ImageHubAnsi;
  const LINE_HEIGHT = 18;            // px; equal to .build-log-row's height in builds.css
  const OVERSCAN = 10;               // rows rendered above and below the visible ones
  const MAX_SCROLL_HEIGHT = 8000000; // px; browsers cap an element's height (Firefox near 17.8M)
  const RECONNECT_FIRST = 500;       // ms, doubled after each failed attempt
  const RECONNECT_MOST = 15000;
  const SUMMARY_REFRESH_MS = 2000;   // the step timeline is re-fetched at most this often
  const SEARCH_DELAY_MS = 200;
  const STREAMS = ["say", "message", "error", "stdout", "stderr", "machine"];
  const NAME_SPACE = 2097152;        // fold keys are source index * NAME_SPACE + step index
  const CLOSE_NOT_ALLOWED = 4403;    // the server's close codes (builds/consumers.py): no reconnecting
  const CLOSE_NOT_FOUND = 4404;

  // ---------------------------------------------------------------- the lines

  class LineStore {
    constructor() {
      this.seqs = [];
      this.times = [];    // milliseconds since the epoch
      this.sources = [];  // indexes into names
      this.steps = [];
      this.streams = [];  // indexes into STREAMS (-1: another stream)
      this.texts = [];
      this.names = [""];
      this.nameIndex = new Map([["", 0]]);
      this.contiguous = 0;  // every line numbered 1..contiguous is held
    }

    get length() {
      return this.seqs.length;
    }

    intern(name) {
      const key = name == null ? "" : String(name);
      let index = this.nameIndex.get(key);
      if (index === undefined) {
        index = this.names.length;
        this.names.push(key);
        this.nameIndex.set(key, index);
      }
      return index;
    }

    // The first index whose seq is >= `seq`.
    lowerBound(seq) {
      let low = 0;
      let high = this.seqs.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (this.seqs[middle] < seq) low = middle + 1;
        else high = middle;
      }
      return low;
    }

    // Add one line in seq order. Returns its index, or -1 when that seq is held already.
    add(line) {
      const seq = Number(line.seq);
      if (!Number.isInteger(seq)) return -1;
      const count = this.seqs.length;
      let at = count;
      if (count > 0 && seq <= this.seqs[count - 1]) {
        at = this.lowerBound(seq);
        if (this.seqs[at] === seq) return -1;
      }
      const time = typeof line.time === "number" ? line.time * 1000 : Date.parse(line.time);
      const values = [seq, Number.isFinite(time) ? time : NaN, this.intern(line.source), this.intern(line.step),
        STREAMS.indexOf(line.stream), line.text == null ? "" : String(line.text)];
      const columns = [this.seqs, this.times, this.sources, this.steps, this.streams, this.texts];
      for (let c = 0; c < columns.length; c++) {
        if (at === count) columns[c].push(values[c]);
        else columns[c].splice(at, 0, values[c]);
      }
      if (seq === this.contiguous + 1) {
        let i = at;
        while (i < this.seqs.length && this.seqs[i] === this.contiguous + 1) {
          this.contiguous++;
          i++;
        }
      }
      return at;
    }

    foldKey(index) {
      return this.sources[index] * NAME_SPACE + this.steps[index];
    }

    plainText(index) {
      return Ansi.plain(this.texts[index]);
    }
  }

  // ---------------------------------------------------------------- rows: step headers and lines

  // rows[r] >= 0 is the line at that index; rows[r] < 0 is -(i + 1), the header of the run of lines from i
  // that share a source and step. Folding a step hides the lines of all its runs; headers stay.
  class RowIndex {
    constructor(store) {
      this.store = store;
      this.rows = [];
      this.folded = new Set();
      this.lastLine = -1;
      this.runLengths = new Map();  // run start -> length, for runs that have ended
    }

    rebuild() {
      this.rows = [];
      this.runLengths.clear();
      this.lastLine = -1;
      for (let i = 0; i < this.store.length; i++) this.append(i);
    }

    // Add rows for line `index`, the line after the last one added.
    append(index) {
      const store = this.store;
      const key = store.foldKey(index);
      if (this.lastLine < 0 || store.foldKey(this.lastLine) !== key) this.rows.push(-(index + 1));
      if (this.folded.size === 0 || !this.folded.has(key)) this.rows.push(index);
      this.lastLine = index;
    }

    toggle(key) {
      if (this.folded.has(key)) this.folded.delete(key);
      else this.folded.add(key);
      this.rebuild();
    }

    setAllFolded(folded) {
      this.folded.clear();
      if (folded) {
        for (let i = 0; i < this.store.length; i++) this.folded.add(this.store.foldKey(i));
      }
      this.rebuild();
    }

    // The row showing line `index` (its header when the line is folded away).
    rowOf(index) {
      let low = 0;
      let high = this.rows.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        const value = this.rows[middle];
        const position = value >= 0 ? value : -value - 1.5;  // a header sorts just before its first line
        if (position < index) low = middle + 1;
        else high = middle;
      }
      if (low < this.rows.length && this.rows[low] === index) return low;
      return Math.max(0, low - 1);
    }

    // How many lines the run starting at line `index` holds.
    runLength(index) {
      const known = this.runLengths.get(index);
      if (known !== undefined) return known;
      const store = this.store;
      const key = store.foldKey(index);
      let end = index + 1;
      while (end < store.length && store.foldKey(end) === key) end++;
      if (end < store.length) this.runLengths.set(index, end - index);
      return end - index;
    }
  }

  // ---------------------------------------------------------------- search

  class LogSearch {
    constructor(store) {
      this.store = store;
      this.query = "";
      this.pattern = null;
      this.matches = [];  // line indexes, ascending
      this.current = -1;  // index into matches
      this.scanned = 0;   // lines looked at so far
    }

    setQuery(query) {
      this.query = query;
      this.pattern = query ? new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi") : null;
      this.matches = [];
      this.current = -1;
      this.scanned = 0;
      this.extend();
    }

    // Look at lines not yet searched (all of them after a new query or an insertion in the middle).
    extend() {
      if (!this.pattern) {
        this.scanned = this.store.length;
        return;
      }
      const pattern = this.pattern;
      for (let i = this.scanned; i < this.store.length; i++) {
        pattern.lastIndex = 0;
        if (pattern.test(this.store.plainText(i))) this.matches.push(i);
      }
      this.scanned = this.store.length;
    }

    // Move to the next (step 1) or previous (step -1) match from line `from`; return its line index or -1.
    move(step, from) {
      if (this.matches.length === 0) return -1;
      if (this.current < 0) {
        let at = this.matches.findIndex((line) => line >= from);
        if (at < 0) at = 0;
        this.current = step > 0 ? at : (at - 1 + this.matches.length) % this.matches.length;
      } else {
        this.current = (this.current + step + this.matches.length) % this.matches.length;
      }
      return this.matches[this.current];
    }

    currentLine() {
      return this.current >= 0 ? this.matches[this.current] : -1;
    }

    // [start, end) ranges of matches in `text`.
    ranges(text) {
      if (!this.pattern) return [];
      const found = [];
      this.pattern.lastIndex = 0;
      let match;
      while ((match = this.pattern.exec(text)) !== null) {
        found.push([match.index, match.index + match[0].length]);
      }
      return found;
    }
  }

  // ---------------------------------------------------------------- the view

  function formatTime(ms) {
    if (!Number.isFinite(ms)) return "";
    const date = new Date(ms);
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  }

  function cell(className, text) {
    const span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  // Append `text`'s ANSI-styled segments to `parent`, the ranges in `marks` wrapped in <mark>.
  function appendText(parent, text, marks, currentMark) {
    let offset = 0;
    let markAt = 0;
    for (const [segmentText, style] of Ansi.segments(text)) {
      let start = 0;
      while (start < segmentText.length) {
        while (markAt < marks.length && marks[markAt][1] <= offset + start) markAt++;
        const mark = marks[markAt];
        let end = segmentText.length;
        let marked = false;
        if (mark) {
          if (mark[0] <= offset + start) {
            marked = true;
            end = Math.min(end, mark[1] - offset);
          } else {
            end = Math.min(end, mark[0] - offset);
          }
        }
        const piece = segmentText.slice(start, end);
        let node = document.createTextNode(piece);
        if (style) {
          const span = document.createElement("span");
          Ansi.styleElement(span, style);
          span.appendChild(node);
          node = span;
        }
        if (marked) {
          const highlight = document.createElement("mark");
          if (currentMark) highlight.className = "build-log-current-match";
          highlight.appendChild(node);
          node = highlight;
        }
        parent.appendChild(node);
        start = end;
      }
      offset += segmentText.length;
    }
  }

  class LogView {
    constructor(box, store, rows, search) {
      this.box = box;
      this.store = store;
      this.rows = rows;
      this.search = search;
      this.follow = true;
      this.scheduled = false;
      this.onFollowChange = () => {};
      this.spacer = document.createElement("div");
      this.spacer.className = "build-log-spacer";
      this.list = document.createElement("div");
      this.list.className = "build-log-rows";
      box.replaceChildren(this.spacer, this.list);
      box.addEventListener("scroll", () => this.scrolled(), { passive: true });
      this.list.addEventListener("click", (event) => this.clicked(event));
      this.list.addEventListener("keydown", (event) => {
        if ((event.key === "Enter" || event.key === " ") && event.target.closest(".build-log-header")) {
          event.preventDefault();
          this.clicked(event);
        }
      });
      window.addEventListener("resize", () => this.schedule());
    }

    // Content height against the (capped) scrollable height: the factor from scrollTop to content offset.
    geometry() {
      const total = this.rows.rows.length * LINE_HEIGHT;
      const height = Math.min(total, MAX_SCROLL_HEIGHT);
      const visible = this.box.clientHeight;
      const ratio = total > height && height > visible ? (total - visible) / (height - visible) : 1;
      return { total, height, visible, ratio };
    }

    atBottom() {
      return this.box.scrollTop + this.box.clientHeight >= this.box.scrollHeight - LINE_HEIGHT;
    }

    // Scrolling up stops following the tail; scrolling back to the bottom resumes it.
    scrolled() {
      this.setFollow(this.atBottom());
      this.schedule();
    }

    setFollow(follow) {
      if (this.follow === follow) return;
      this.follow = follow;
      this.onFollowChange(follow);
      if (follow) this.schedule();
    }

    clicked(event) {
      const header = event.target.closest(".build-log-header");
      if (!header) return;
      this.rows.toggle(Number(header.dataset.foldKey));
      this.schedule();
    }

    // Scroll so that row `row` is in the middle of the box; following stops.
    reveal(row) {
      const { ratio, visible } = this.geometry();
      this.follow = false;
      this.onFollowChange(false);
      this.spacer.style.height = `${this.geometry().height}px`;
      this.box.scrollTop = Math.max(0, (row * LINE_HEIGHT - visible / 2 + LINE_HEIGHT / 2) / ratio);
      this.schedule();
    }

    topLine() {
      const { ratio } = this.geometry();
      const row = Math.floor((this.box.scrollTop * ratio) / LINE_HEIGHT);
      const value = this.rows.rows[Math.min(row, this.rows.rows.length - 1)];
      return value === undefined ? 0 : value >= 0 ? value : -value - 1;
    }

    schedule() {
      if (this.scheduled) return;
      this.scheduled = true;
      window.requestAnimationFrame(() => {
        this.scheduled = false;
        this.render();
      });
    }

    render() {
      const { height, visible, ratio } = this.geometry();
      this.spacer.style.height = `${height}px`;
      if (this.follow && this.box.scrollTop + visible < height - 1) this.box.scrollTop = height;
      const scrollTop = this.box.scrollTop;
      const offset = scrollTop * ratio;
      const count = this.rows.rows.length;
      const first = Math.max(0, Math.floor(offset / LINE_HEIGHT) - OVERSCAN);
      const last = Math.min(count, Math.ceil((offset + visible) / LINE_HEIGHT) + OVERSCAN);
      this.list.style.transform = `translateY(${Math.round(scrollTop - offset + first * LINE_HEIGHT)}px)`;
      const fragment = document.createDocumentFragment();
      for (let r = first; r < last; r++) fragment.appendChild(this.renderRow(this.rows.rows[r]));
      this.list.replaceChildren(fragment);
    }

    renderRow(value) {
      const store = this.store;
      const row = document.createElement("div");
      if (value < 0) {
        const index = -value - 1;
        const key = store.foldKey(index);
        const folded = this.rows.folded.has(key);
        row.className = "build-log-row build-log-header";
        row.dataset.foldKey = String(key);
        row.setAttribute("role", "button");
        row.setAttribute("tabindex", "0");
        row.setAttribute("aria-expanded", String(!folded));
        row.appendChild(cell("build-log-fold", folded ? "▸" : "▾"));
        row.appendChild(cell("build-log-source", store.names[store.sources[index]] || "all builds"));
        const step = store.names[store.steps[index]];
        if (step) row.appendChild(cell("build-log-step", step));
        if (folded) {
          const hidden = this.rows.runLength(index);
          row.appendChild(cell("build-log-hidden", `${hidden} line${hidden === 1 ? "" : "s"} folded`));
        }
        return row;
      }
      const stream = STREAMS[store.streams[value]] || "other";
      row.className = `build-log-row build-log-${stream}`;
      row.dataset.seq = String(store.seqs[value]);
      row.appendChild(cell("build-log-time", formatTime(store.times[value])));
      row.appendChild(cell("build-log-source", store.names[store.sources[value]]));
      row.appendChild(cell("build-log-step", store.names[store.steps[value]]));
      const text = cell("build-log-text", "");
      const isCurrent = this.search.currentLine() === value;
      const marks = this.search.pattern ? this.search.ranges(store.plainText(value)) : [];
      if (marks.length) row.classList.add(isCurrent ? "build-log-current" : "build-log-match");
      appendText(text, store.texts[value], marks, isCurrent);
      row.appendChild(text);
      return row;
    }
  }

  // ---------------------------------------------------------------- the connection

  class LogConnection {
    constructor(path, handlers) {
      this.path = path;
      this.handlers = handlers;
      this.delay = RECONNECT_FIRST;
      this.complete = false;
      this.socket = null;
      this.timer = null;
    }

    url(after) {
      const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      return `${scheme}//${window.location.host}${this.path}?after=${after}`;
    }

    open() {
      window.clearTimeout(this.timer);
      this.timer = null;
      const socket = new WebSocket(this.url(this.handlers.lastSeq()));
      this.socket = socket;
      this.handlers.state("connecting");
      socket.addEventListener("open", () => this.handlers.state("live"));
      socket.addEventListener("message", (event) => {
        this.delay = RECONNECT_FIRST;
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        this.handlers.message(message);
      });
      socket.addEventListener("close", (event) => {
        if (this.socket !== socket) return;
        this.socket = null;
        if (this.complete) return;
        if (event.code === CLOSE_NOT_ALLOWED || event.code === CLOSE_NOT_FOUND) {
          this.complete = true;
          this.handlers.state(event.code === CLOSE_NOT_ALLOWED ? "refused" : "missing");
          return;
        }
        this.handlers.state("reconnecting", this.delay);
        this.timer = window.setTimeout(() => this.open(), this.delay);
        this.delay = Math.min(this.delay * 2, RECONNECT_MOST);
      });
    }

    // Everything is here: close without reconnecting.
    finish() {
      this.complete = true;
      window.clearTimeout(this.timer);
      if (this.socket) this.socket.close(1000);
    }
  }

  // ---------------------------------------------------------------- the page

  class BuildLog {
    constructor(box) {
      this.store = new LineStore();
      this.rows = new RowIndex(this.store);
      this.search = new LogSearch(this.store);
      this.view = new LogView(box, this.store, this.rows, this.search);
      this.finalSeq = null;
      // What the page shows already, so the first status message re-fetches the summary only if it changed.
      const summary = document.getElementById("build-summary");
      this.status = summary && summary.dataset.status ? {
        status: summary.dataset.status,
        current_step: summary.dataset.currentStep || "",
        paused: summary.dataset.paused === "true",
      } : null;
      this.summaryTimer = null;
      this.summaryDue = 0;
      this.connectionText = document.getElementById("build-log-connection");
      this.bindFollow();
      this.bindSearch();
      this.bindFolding();
      this.connection = new LogConnection(box.dataset.socketPath, {
        lastSeq: () => this.store.contiguous,
        message: (message) => this.receive(message),
        state: (state, delay) => this.showConnection(state, delay),
      });
      this.view.render();
      this.connection.open();
    }

    bindFollow() {
      const button = document.getElementById("build-log-follow");
      this.view.onFollowChange = (follow) => {
        if (button) button.setAttribute("aria-pressed", String(follow));
      };
      if (button) {
        button.addEventListener("click", () => {
          const follow = button.getAttribute("aria-pressed") !== "true";
          this.view.setFollow(follow);
          if (follow) this.view.schedule();
        });
      }
    }

    bindSearch() {
      const input = document.getElementById("build-log-search");
      if (!input) return;
      let timer = null;
      const apply = () => {
        window.clearTimeout(timer);
        timer = null;
        if (this.search.query !== input.value) {
          this.search.setQuery(input.value);
          this.showMatches();
          this.view.schedule();
        }
      };
      input.addEventListener("input", () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(apply, SEARCH_DELAY_MS);
      });
      input.addEventListener("keydown", (event) => {
        if (event.key !== "Enter") return;
        event.preventDefault();
        apply();
        this.jump(event.shiftKey ? -1 : 1);
      });
      const previous = document.getElementById("build-log-search-prev");
      const next = document.getElementById("build-log-search-next");
      if (previous) previous.addEventListener("click", () => { apply(); this.jump(-1); });
      if (next) next.addEventListener("click", () => { apply(); this.jump(1); });
    }

    bindFolding() {
      const foldAll = document.getElementById("build-log-fold-all");
      const unfoldAll = document.getElementById("build-log-unfold-all");
      if (foldAll) foldAll.addEventListener("click", () => { this.rows.setAllFolded(true); this.view.schedule(); });
      if (unfoldAll) unfoldAll.addEventListener("click", () => { this.rows.setAllFolded(false); this.view.schedule(); });
    }

    jump(step) {
      const line = this.search.move(step, this.view.topLine());
      this.showMatches();
      if (line < 0) return;
      const key = this.store.foldKey(line);
      if (this.rows.folded.has(key)) this.rows.toggle(key);
      this.view.reveal(this.rows.rowOf(line));
    }

    showMatches() {
      const count = document.getElementById("build-log-search-count");
      if (!count) return;
      const total = this.search.matches.length;
      if (!this.search.pattern) count.textContent = "";
      else if (total === 0) count.textContent = "no matches";
      else if (this.search.current < 0) count.textContent = `${total} match${total === 1 ? "" : "es"}`;
      else count.textContent = `${this.search.current + 1} of ${total}`;
    }

    receive(message) {
      if (message.type === "build.lines" && Array.isArray(message.lines)) this.addLines(message.lines);
      else if (message.type === "build.status") this.updateStatus(message);
    }

    addLines(lines) {
      let inserted = false;
      const before = this.store.length;
      for (const line of lines) {
        const at = this.store.add(line);
        if (at < 0) continue;
        if (at === this.store.length - 1 && !inserted) this.rows.append(at);
        else inserted = true;
      }
      if (inserted) {
        this.rows.rebuild();
        if (this.search.pattern) this.search.setQuery(this.search.query);
      } else if (this.store.length > before) {
        this.search.extend();
      }
      if (this.search.pattern) this.showMatches();
      this.view.schedule();
      this.checkComplete();
    }

    updateStatus(message) {
      const changed = this.status === null || this.status.status !== message.status ||
        this.status.current_step !== message.current_step || this.status.paused !== message.paused;
      this.status = message;
      for (const element of document.querySelectorAll("[data-build-status]")) {
        element.textContent = message.status.charAt(0).toUpperCase() + message.status.slice(1);
        for (const name of Array.from(element.classList)) {
          if (name.startsWith("status-")) element.classList.remove(name);
        }
        element.classList.add(`status-${message.status}`);
      }
      for (const element of document.querySelectorAll("[data-build-current-step]")) {
        element.textContent = message.current_step || "—";
      }
      if (message.final) this.finalSeq = Number(message.last_seq) || 0;
      if (changed || message.final) this.refreshSummary(Boolean(message.final));
      this.checkComplete();
    }

    checkComplete() {
      if (this.finalSeq === null) return;
      // Short of lines, the connection stays open or reconnects, resuming after the last line held.
      if (this.store.contiguous >= this.finalSeq) {
        this.connection.finish();
        this.showConnection("complete");
      }
    }

    // Re-fetch the summary (status, timeline, artifacts, buttons), at most every SUMMARY_REFRESH_MS.
    refreshSummary(now) {
      const summary = document.getElementById("build-summary");
      if (!summary || !summary.dataset.refreshUrl || !window.htmx) return;
      const fetchSummary = () => {
        this.summaryTimer = null;
        this.summaryDue = Date.now() + SUMMARY_REFRESH_MS;
        window.htmx.ajax("GET", summary.dataset.refreshUrl, { target: "#build-summary", swap: "outerHTML" });
      };
      if (now) {
        window.clearTimeout(this.summaryTimer);
        fetchSummary();
      } else if (this.summaryTimer === null) {
        this.summaryTimer = window.setTimeout(fetchSummary, Math.max(0, this.summaryDue - Date.now()));
      }
    }

    showConnection(state, delay) {
      const element = this.connectionText;
      if (!element) return;
      element.dataset.state = state;
      if (state === "connecting") element.textContent = "Connecting…";
      else if (state === "live") element.textContent = "Live";
      else if (state === "reconnecting") element.textContent = `Connection lost; retrying in ${Math.ceil(delay / 1000)} s`;
      else if (state === "refused") element.textContent = "Your account may not watch this log; sign in again.";
      else if (state === "missing") element.textContent = "This build no longer exists.";
      else if (state === "complete") {
        const count = this.store.length;
        element.textContent = `Complete: ${count} line${count === 1 ? "" : "s"}`;
      }
    }
  }

  function start() {
    const box = document.getElementById("build-log");
    if (box && !box.buildLog) box.buildLog = new BuildLog(box);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
