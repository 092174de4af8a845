// Insert ▸ Image…: an image from the user's computer. The page sends its bytes on the document's
// own connection as one binary `insert-image` frame (docs/protocol.md); the server checks size
// and type again and hands it to this document's kit only. Checked here first so that the user
// hears at once, without sending megabytes the server would refuse.

// oxool_proto::images: what the server accepts.
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const TYPES = ['image/png', 'image/jpeg', 'image/gif'];

/**
 * Asks for a file and sends it. ctx: {conn (protocol.js Connection), toast(text, level), focus}.
 */
export function chooseImage(ctx) {
  const input = document.createElement('input');
  input.type = 'file';
  input.accept = TYPES.join(',');
  input.id = 'insert-image-file';
  input.hidden = true;
  input.addEventListener('change', async () => {
    const file = input.files && input.files[0];
    input.remove();
    if (file) await sendImage(ctx, file);
    ctx.focus();
  });
  input.addEventListener('cancel', () => input.remove());
  document.body.append(input);
  input.click();
}

/** Sends one File or Blob (with a `name`), or explains why not. */
export async function sendImage(ctx, file) {
  if (file.size > MAX_IMAGE_BYTES) {
    ctx.toast(`The image is too large to insert (${(file.size / 1048576).toFixed(1)} MiB; at most 10 MiB).`, 'error');
    return false;
  }
  if (file.type && !TYPES.includes(file.type)) {
    ctx.toast('Only PNG, JPEG and GIF images can be inserted.', 'error');
    return false;
  }
  const bytes = await file.arrayBuffer();
  return ctx.conn.sendBinary('insert-image', { name: file.name || 'image' }, bytes);
}
