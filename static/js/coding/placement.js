// Where the coding box goes, so that all of it is on screen: under the passage's last line if
// it fits there, else above the passage's line, else docked beside the text (right, or left)
// at the passage's height; always clamped inside the window. Pure: rectangles in, position out
// (viewport pixels, for a position: fixed box).

export const EDGE = 8; // px kept free between the box and the window's edge
const GAP = 8; // px between the passage and the box
const MAX_WIDTH = 360;

export function boxWidth(viewport) {
  return Math.max(200, Math.min(MAX_WIDTH, viewport.width - 2 * EDGE));
}

const clamp = (value, low, high) => Math.max(low, Math.min(value, Math.max(low, high)));

/**
 * @param {object} p anchor (a rect {left, top, bottom, right} or null), text (the text's rect),
 *   viewport {width, height}, width and height of the box, prefer ("below" | "above" | "beside" | null:
 *   the side it is on, kept while it still fits, so that the box does not jump as it grows)
 * @returns {{left: number, top: number, side: string}}
 */
export function boxPosition({ anchor, text, viewport, width, height, prefer }) {
  const maxLeft = viewport.width - width - EDGE;
  const maxTop = viewport.height - height - EDGE;
  if (!anchor) {
    return { left: clamp((viewport.width - width) / 2, EDGE, maxLeft), top: clamp(viewport.height / 4, EDGE, maxTop),
             side: "centre" };
  }
  const left = clamp(anchor.left, EDGE, maxLeft);
  const sides = {
    below: () => (anchor.bottom + GAP + height <= viewport.height - EDGE ? { left, top: anchor.bottom + GAP } : null),
    above: () => (anchor.top - GAP - height >= EDGE ? { left, top: anchor.top - GAP - height } : null),
    beside: () => {
      const right = text ? text.right + GAP : viewport.width;
      const before = text ? text.left - GAP - width : -1;
      const x = right + width <= viewport.width - EDGE ? right : before >= EDGE ? before : maxLeft;
      return { left: clamp(x, EDGE, maxLeft), top: clamp(anchor.top - height / 3, EDGE, maxTop) };
    },
  };
  const order = ["below", "above", "beside"];
  if (prefer && sides[prefer]) order.unshift(prefer);
  for (const side of order) {
    const place = sides[side]();
    if (place) return { left: place.left, top: clamp(place.top, EDGE, maxTop), side };
  }
  return { left, top: clamp(anchor.bottom + GAP, EDGE, maxTop), side: "below" }; // unreachable: beside always fits
}
