// Work that many events ask for but one animation frame needs only once (drawing, refreshing).

/** A function that runs `run` at the next animation frame, once however often it is called until then. */
export function onceAFrame(run) {
  let scheduled = false;
  return () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      run();
    });
  };
}
