/**
 * A garbage collection after every `everyBytes` of DATA (all sessions
 * together). A message's socket chunks are garbage once copied into its
 * buffer, and its buffer once it is answered, but the collector, left to
 * itself, let them pile up: 50 senders of 20 MB messages took RSS to 660 MB
 * with at most three messages in flight. Collecting synchronously costs the
 * event loop about 20 ms each time, once per 32 MiB received (an asynchronous
 * request left RSS at 520 MB), and a load of 5 KB messages reaches it once
 * every few thousand messages.
 */
export function createGarbagePacer(everyBytes = 32 * 1024 * 1024, collect = () => Bun.gc(true)) {
  let sinceCollect = 0;
  return (bytes: number) => {
    sinceCollect += bytes;
    if (sinceCollect < everyBytes) return;
    sinceCollect = 0;
    collect();
  };
}
