// The one place that converts between the server's offsets and the browser's.
//
// The server stores offsets as Unicode code points (Python str indexes); the DOM, Range and
// String.prototype.slice count UTF-16 code units, in which a character outside the Basic
// Multilingual Plane (𝔘, most emoji) takes two units. Every conversion goes through here.

const SURROGATE = /[\uD800-\uDFFF]/;

/** True when `text` holds characters outside the BMP (so the two counts differ). */
export function hasAstral(text) {
  return SURROGATE.test(text);
}

function isHigh(unit) {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLow(unit) {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** The number of code points in `text`. */
export function codePointLength(text) {
  return toCodePoints(text, text.length);
}

/**
 * The code-point offset of UTF-16 index `index` in `text`. An index that falls between the
 * two halves of a surrogate pair counts as before the pair.
 */
export function toCodePoints(text, index) {
  const limit = Math.max(0, Math.min(index, text.length));
  let points = 0;
  for (let i = 0; i < limit; i += 1) {
    const unit = text.charCodeAt(i);
    if (isHigh(unit) && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      if (i + 1 >= limit) break; // the index splits this pair
      i += 1;
    }
    points += 1;
  }
  return points;
}

/** The UTF-16 index of code-point offset `points` in `text` (clamped to its length). */
export function toUtf16(text, points) {
  let index = 0;
  let seen = 0;
  while (index < text.length && seen < points) {
    const unit = text.charCodeAt(index);
    index += isHigh(unit) && index + 1 < text.length && isLow(text.charCodeAt(index + 1)) ? 2 : 1;
    seen += 1;
  }
  return index;
}

/** The code points [start, end) of `text`, as a string. */
export function sliceCodePoints(text, start, end) {
  return text.slice(toUtf16(text, start), toUtf16(text, end));
}
