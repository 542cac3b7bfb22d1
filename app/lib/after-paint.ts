/**
 * Work the new page does not need on screen, run in order in the task after the frame that
 * paints it: the address bar (url-after-paint.ts), the document's title (DocumentHead) and the
 * route announcement (NavigationFocus), in the order they were asked for, so a history entry is
 * written before the title that belongs to it. Each of these crosses to the browser process or
 * commits again, which a click used to pay before its page could paint (docs/decisions/007).
 */
const pending: Array<() => void> = [];
let scheduled = false;

/** Runs what is pending now: before anything that must see it done (history reads, navigations). */
export function flushAfterPaint(): void {
  scheduled = false;
  for (const task of pending.splice(0)) task();
}

export function afterPaint(task: () => void): void {
  pending.push(task);
  if (scheduled) return;
  scheduled = true;
  // The task after the next frame; the timer alone where no frame comes (a hidden tab).
  requestAnimationFrame(() => setTimeout(flushAfterPaint, 0));
  setTimeout(flushAfterPaint, 100);
}
