/** The first JSON log line with this `msg`, parsed; undefined until it appears. Key order does not matter. */
export function findLogLine(output: string, msg: string): Record<string, unknown> | undefined {
  for (const line of output.split("\n")) {
    if (!line.includes(msg)) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === msg) return entry;
    } catch {
      // not a JSON line (e.g. the first-start banner)
    }
  }
  return undefined;
}

/** The port a listener logged, e.g. `listeningPort(stderr, "smtp listening")`. */
export function listeningPort(output: string, msg: string): number | undefined {
  const port = findLogLine(output, msg)?.port;
  return typeof port === "number" ? port : undefined;
}
