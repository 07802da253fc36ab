// Line differences between two texts, as hunks of replaced lines (Myers' O(ND) algorithm).

// Edits beyond this many give one hunk for the whole changed middle, so a
// large rewrite costs bounded time and memory.
const MAX_EDITS = 500;

// Return the lines of `text`, each with its line break, so that joining them gives `text` back.
export function splitLines(text) {
  return text.match(/[^\n]*\n|[^\n]+$/g) || [];
}

// Return the hunks that turn `oldLines` into `newLines`: [{fromA, toA, fromB, toB}] in order,
// each replacing old lines fromA..toA-1 with new lines fromB..toB-1.
export function lineHunks(oldLines, newLines) {
  let start = 0;
  while (start < oldLines.length && start < newLines.length && oldLines[start] === newLines[start]) {
    start += 1;
  }
  let endA = oldLines.length;
  let endB = newLines.length;
  while (endA > start && endB > start && oldLines[endA - 1] === newLines[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  if (start === endA && start === endB) {
    return [];
  }
  const pairs = matchingLines(oldLines.slice(start, endA), newLines.slice(start, endB));
  if (pairs === null) {
    return [{ fromA: start, toA: endA, fromB: start, toB: endB }];
  }
  const hunks = [];
  let a = 0;
  let b = 0;
  for (const [x, y] of [...pairs, [endA - start, endB - start]]) {
    if (x > a || y > b) {
      hunks.push({ fromA: start + a, toA: start + x, fromB: start + b, toB: start + y });
    }
    a = x + 1;
    b = y + 1;
  }
  return hunks;
}

// Return the pairs [i, j] of equal lines a[i] === b[j] that a shortest edit keeps, in order,
// or null when the texts differ by more than MAX_EDITS lines.
function matchingLines(a, b) {
  const n = a.length;
  const m = b.length;
  const most = Math.min(n + m, MAX_EDITS);
  const offset = most + 1;
  const v = new Int32Array(2 * most + 3);
  const trace = [];
  for (let d = 0; d <= most; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]);
      let x = down ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        return backtrack(trace, offset, n, m);
      }
    }
  }
  return null;
}

function backtrack(trace, offset, n, m) {
  const pairs = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const v = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]);
    const previousK = down ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : v[offset + previousK];
    const previousY = d === 0 ? 0 : previousX - previousK;
    while (x > previousX && y > previousY) {
      x -= 1;
      y -= 1;
      pairs.push([x, y]);
    }
    x = previousX;
    y = previousY;
  }
  return pairs.reverse();
}
