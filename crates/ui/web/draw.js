// The drawing pad, and the digit it holds as the digits model's training images are:
// 8 × 8 cells, each the count (0–16) of inked pixels in a 4 × 4 block of a 32 × 32
// bitmap, the ink's bounding box scaled to fill the bitmap and centred.

const INK = 'rgb(255,255,255)';

export function pad(canvas, onChange) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let drawing = false;
  let inked = false;
  const clear = () => {
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    inked = false;
    onChange(false);
  };
  const at = (event) => {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  };
  canvas.addEventListener('pointerdown', (event) => {
    drawing = true;
    canvas.setPointerCapture?.(event.pointerId);
    const [x, y] = at(event);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 0.01, y);
    stroke();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    const [x, y] = at(event);
    ctx.lineTo(x, y);
    stroke();
  });
  const end = () => { drawing = false; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('pointerleave', end);
  function stroke() {
    ctx.strokeStyle = INK;
    ctx.lineWidth = canvas.width / 11;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.stroke();
    if (!inked) { inked = true; onChange(true); }
  }
  clear();
  return { clear, cells: () => cells(ctx, canvas.width, canvas.height), inked: () => inked };
}

// The 64 cell values (0–16), row by row, or null when nothing is drawn.
function cells(ctx, width, height) {
  const pixels = ctx.getImageData(0, 0, width, height).data;
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (pixels[(y * width + x) * 4] > 127) {
        left = Math.min(left, x); right = Math.max(right, x);
        top = Math.min(top, y); bottom = Math.max(bottom, y);
      }
    }
  }
  if (right < 0) return null;
  const side = Math.max(right - left + 1, bottom - top + 1);
  const bitmap = document.createElement('canvas');
  bitmap.width = bitmap.height = 32;
  const small = bitmap.getContext('2d', { willReadFrequently: true });
  small.fillStyle = 'black';
  small.fillRect(0, 0, 32, 32);
  small.imageSmoothingEnabled = true;
  small.imageSmoothingQuality = 'high';
  // The longest side fills the bitmap; the other is centred.
  const w = (right - left + 1) * 32 / side;
  const h = (bottom - top + 1) * 32 / side;
  small.drawImage(ctx.canvas, left, top, right - left + 1, bottom - top + 1, (32 - w) / 2, (32 - h) / 2, w, h);
  const bits = small.getImageData(0, 0, 32, 32).data;
  const values = new Float32Array(64);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      if (bits[(y * 32 + x) * 4] > 127) values[(y >> 2) * 8 + (x >> 2)] += 1;
    }
  }
  return values;
}

// A key (Q14, 64 entries, any scale) as an 8 × 8 grey image on `canvas`.
export function paint(canvas, key) {
  const side = Math.round(Math.sqrt(key.length));
  const ctx = canvas.getContext('2d');
  const cell = canvas.width / side;
  const max = Math.max(1, ...key.map((v) => Math.abs(v)));
  for (let i = 0; i < side * side; i++) {
    const level = Math.round(255 * Math.max(0, key[i] ?? 0) / max);
    ctx.fillStyle = `rgb(${level},${level},${level})`;
    ctx.fillRect((i % side) * cell, Math.floor(i / side) * cell, cell, cell);
  }
}
