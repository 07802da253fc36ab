"""The live log viewer in a real browser: a million lines stay fast, follow-the-tail, folding, search, ordering,
de-duplication and safe ANSI colours.

Lines are handed to the page's viewer as the websocket would hand them
(`buildLog.receive(message)`), on the page of a finished build.
"""

import re

import pytest
from playwright.sync_api import expect

FILE_TEMPLATE = """
source "file" "note" {
  content = "a note"
  target  = "note.txt"
}

build {
  sources = ["source.file.note"]
}
"""

# Hands `count` lines numbered from the next free seq to the viewer, in messages of `batch`.
FEED = """([count, batch, step]) => {
  const log = document.getElementById("build-log").buildLog;
  const first = log.store.seqs.length ? log.store.seqs[log.store.seqs.length - 1] + 1 : 1;
  for (let start = first; start < first + count; start += batch) {
    const lines = [];
    for (let seq = start; seq < Math.min(start + batch, first + count); seq++) {
      lines.push({seq, time: 1700000000 + seq / 1000, source: "null.big", step: step,
                  stream: seq % 10 === 0 ? "stderr" : "stdout", text: `line ${seq} of the log`});
    }
    log.receive({type: "build.lines", lines});
  }
  return first + count - 1;
}"""
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture
def log_page(page, import_template, request):
    """The page of a finished file build, its log complete."""
    slug = import_template(request.node.name.replace("_", " ")[:60], {"main.pkr.hcl": FILE_TEMPLATE})
    page.goto(f"/templates/{slug}/versions/1/variables/")
    page.get_by_role("button", name="Build with defaults").click()
    page.wait_for_url(re.compile(r"/builds/\d+/$"))
    expect(page.locator("#build-summary [data-build-status]")).to_have_text("Succeeded", timeout=90_000)
    expect(page.locator("#build-log-connection")).to_have_text(re.compile(r"^Complete"))
    return page


def at_bottom(page) -> bool:
    return page.evaluate("""() => {
      const box = document.getElementById("build-log");
      return box.scrollTop + box.clientHeight >= box.scrollHeight - 18;
    }""")


VISIBLE_SEQS = """() => {
  const box = document.getElementById("build-log").getBoundingClientRect();
  return Array.from(document.querySelectorAll("#build-log .build-log-row[data-seq]"))
    .filter(row => { const r = row.getBoundingClientRect(); return r.top >= box.top - 1 && r.bottom <= box.bottom + 1; })
    .map(row => Number(row.dataset.seq));
}"""


def visible_seqs(page) -> list[int]:
    """The seqs of the line rows inside the log box's visible area."""
    return page.evaluate(VISIBLE_SEQS)


def wait_until_no_line_is_visible(page) -> None:
    """Wait (up to 5 s) until the log box shows no line row, as after folding everything is drawn."""
    page.wait_for_function(f"() => ({VISIBLE_SEQS})().length === 0", timeout=5000)


def test_a_million_line_log_keeps_only_the_visible_rows_in_the_page(log_page):
    page = log_page
    figures = page.evaluate(f"""async () => {{
      const feed = {FEED};
      const started = performance.now();
      const last = feed([1000000, 1000, "provisioner shell"]);
      const fed = performance.now() - started;
      await ({NEXT_FRAME})();
      return {{last, fed, painted: performance.now() - started,
               heap: performance.memory ? performance.memory.usedJSHeapSize : 0,
               rows: document.querySelectorAll("#build-log .build-log-row").length}};
    }}""")
    print(f"\n1,000,000 lines: fed in {figures['fed']:.0f} ms, painted after {figures['painted']:.0f} ms, "
          f"JS heap {figures['heap'] / 1e6:.0f} MB, {figures['rows']} rows in the page")
    assert figures["rows"] < 100
    assert figures["painted"] < 20_000
    last = figures["last"]
    # Following the tail: the last line is in view.
    assert visible_seqs(page)[-1] == last
    expect(page.locator("#build-log-follow")).to_have_attribute("aria-pressed", "true")

    # The middle of the scroll range shows the middle of the log.
    page.evaluate("() => { const box = document.getElementById('build-log'); "
                  "box.scrollTop = (box.scrollHeight - box.clientHeight) / 2; }")
    page.evaluate(NEXT_FRAME)
    middle = visible_seqs(page)
    assert middle == list(range(middle[0], middle[0] + len(middle))) and len(middle) > 10
    assert abs(middle[len(middle) // 2] - last / 2) < last * 0.01
    expect(page.locator("#build-log-follow")).to_have_attribute("aria-pressed", "false")
    assert page.locator("#build-log .build-log-row").count() < 100

    # Search over every line, then jump to the one match.
    search = page.locator("#build-log-search")
    started = page.evaluate("() => performance.now()")
    search.fill(f"line {last - 3} of")
    search.press("Enter")
    expect(page.locator("#build-log-search-count")).to_have_text("1 of 1")
    print(f"search of 1,000,000 lines and jump: {page.evaluate('() => performance.now()') - started:.0f} ms")
    match = page.locator("#build-log .build-log-current")
    expect(match).to_have_attribute("data-seq", str(last - 3))
    expect(match.locator("mark")).to_have_text(f"line {last - 3} of")
    assert last - 3 in visible_seqs(page)


def test_following_the_tail_stops_when_scrolled_up_and_resumes_at_the_bottom(log_page):
    page = log_page
    follow = page.locator("#build-log-follow")
    page.evaluate(FEED, [500, 100, "provisioner shell"])
    page.evaluate(NEXT_FRAME)
    assert at_bottom(page)
    expect(follow).to_have_attribute("aria-pressed", "true")

    page.locator("#build-log").hover()
    page.mouse.wheel(0, -2000)
    expect(follow).to_have_attribute("aria-pressed", "false")
    shown = visible_seqs(page)
    page.evaluate(FEED, [300, 100, "provisioner shell"])
    page.evaluate(NEXT_FRAME)
    assert visible_seqs(page) == shown  # new lines do not move what the reader is looking at
    assert not at_bottom(page)

    page.mouse.wheel(0, 100_000)
    expect(follow).to_have_attribute("aria-pressed", "true")
    last = page.evaluate(FEED, [50, 10, "provisioner shell"])
    page.evaluate(NEXT_FRAME)
    assert at_bottom(page) and visible_seqs(page)[-1] == last

    # The button pauses and resumes it too.
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "false")
    page.evaluate("() => { document.getElementById('build-log').scrollTop = 0; }")
    follow.click()
    expect(follow).to_have_attribute("aria-pressed", "true")
    page.evaluate(NEXT_FRAME)
    assert at_bottom(page)


def test_a_step_header_folds_and_unfolds_its_lines(log_page):
    page = log_page
    page.evaluate(FEED, [40, 40, "provisioner shell"])
    last = page.evaluate(FEED, [5, 5, "provisioner shell-local"])
    page.evaluate(NEXT_FRAME)
    header = page.locator("#build-log .build-log-header", has_text="provisioner shell-local")
    header.click()
    expect(header).to_have_attribute("aria-expanded", "false")
    expect(header.locator(".build-log-hidden")).to_have_text("5 lines folded")
    expect(page.locator(f'#build-log .build-log-row[data-seq="{last}"]')).to_have_count(0)
    header.press("Enter")
    expect(header).to_have_attribute("aria-expanded", "true")
    expect(page.locator(f'#build-log .build-log-row[data-seq="{last}"]')).to_have_count(1)
    page.get_by_role("button", name="Fold all", exact=True).click()
    wait_until_no_line_is_visible(page)
    assert visible_seqs(page) == []
    expect(page.locator("#build-log .build-log-header[aria-expanded=false]").first).to_be_visible()
    page.get_by_role("button", name="Unfold all", exact=True).click()
    expect(page.locator(f'#build-log .build-log-row[data-seq="{last}"]')).to_have_count(1)


def test_search_jumps_between_matches_and_unfolds_the_step_of_one(log_page):
    page = log_page
    first = page.evaluate("() => document.getElementById('build-log').buildLog.store.seqs.length + 1")
    page.evaluate(FEED, [300, 100, "provisioner shell"])
    page.get_by_role("button", name="Fold all", exact=True).click()
    wait_until_no_line_is_visible(page)
    assert visible_seqs(page) == []
    search = page.locator("#build-log-search")
    search.fill("0 of the log")  # lines whose seq ends in 0
    search.press("Enter")
    count = len([seq for seq in range(first, first + 300) if seq % 10 == 0])
    expect(page.locator("#build-log-search-count")).to_have_text(f"1 of {count}")
    current = page.locator("#build-log .build-log-current")
    expect(current).to_be_visible()
    start = int(current.get_attribute("data-seq"))
    assert start % 10 == 0
    # The count and the marked line may be drawn in different frames: each expectation waits for its own.
    page.locator("#build-log-search-next").click()
    expect(page.locator("#build-log-search-count")).to_have_text(f"2 of {count}")
    expect(current).to_have_attribute("data-seq", str(start + 10))
    search.press("Shift+Enter")
    expect(page.locator("#build-log-search-count")).to_have_text(f"1 of {count}")
    expect(current).to_have_attribute("data-seq", str(start))


def test_lines_arriving_out_of_order_or_twice_are_shown_once_in_order(log_page):
    page = log_page
    seqs = page.evaluate("""() => {
      const log = document.getElementById("build-log").buildLog;
      const base = log.store.seqs.length;
      const line = (n) => ({seq: base + n, time: 1700000000, source: "null.web", step: "s", stream: "stdout",
                            text: `line ${n}`});
      log.receive({type: "build.lines", lines: [line(1), line(2), line(5)]});
      log.receive({type: "build.lines", lines: [line(2), line(4), line(3)]});
      log.receive({type: "build.lines", lines: [line(5), line(6), line(1)]});
      return {base, held: log.store.seqs.slice(base), contiguous: log.store.contiguous};
    }""")
    base = seqs["base"]
    assert seqs["held"] == list(range(base + 1, base + 7)) and seqs["contiguous"] == base + 6
    page.evaluate(NEXT_FRAME)
    texts = page.locator("#build-log .build-log-row[data-seq] .build-log-text").all_inner_texts()
    assert texts[-6:] == [f"line {n}" for n in range(1, 7)]


def test_log_text_is_never_markup_and_its_ansi_colours_are_styles(log_page):
    page = log_page
    page.evaluate("""() => {
      const log = document.getElementById("build-log").buildLog;
      const seq = log.store.seqs.length + 1;
      log.receive({type: "build.lines", lines: [
        {seq, time: 1700000000, source: "null.web", step: "s", stream: "stdout",
         text: "<img src=x onerror=window.pwned=1> \\u001b[1;31mred\\u001b[0m \\u001b[38;2;1;2;3mrgb\\u001b[m \\u001b]0;title\\u0007done"}]});
    }""")
    page.evaluate(NEXT_FRAME)
    row = page.locator("#build-log .build-log-row[data-seq]").last
    expect(row.locator(".build-log-text")).to_have_text("<img src=x onerror=window.pwned=1> red rgb done")
    assert page.locator("#build-log img").count() == 0
    assert page.evaluate("() => window.pwned") is None
    expect(row.locator(".ansi-fg-1.ansi-bold")).to_have_text("red")
    expect(row.get_by_text("rgb", exact=True)).to_have_css("color", "rgb(1, 2, 3)")
