/**
 * Asks the garbage collector for a collection after every `everyBytes` of DATA
 * (all sessions together). The socket's chunks are garbage as soon as they are
 * copied into the message buffer, but the collector, left to itself, let about
 * the size of a 25 MB message pile up before it ran: RSS that a small VM does
 * not have. The request is asynchronous (Bun.gc(false)): it never holds the
 * event loop.
 */
export function createGarbagePacer(everyBytes = 8 * 1024 * 1024, collect = () => Bun.gc(false)) {
  let sinceCollect = 0;
  return (bytes: number) => {
    sinceCollect += bytes;
    if (sinceCollect < everyBytes) return;
    sinceCollect = 0;
    collect();
  };
}
