/**
 * A listener that could not open: its port is taken or needs privileges, or its
 * address is not one of this machine's. The listeners (smtp-edge, api/bun.ts)
 * raise it with the names of the variables that chose the port and the address,
 * so the entry prints one line naming what to change instead of a stack trace.
 */

/** The variables behind a listener, e.g. `{ port: "SMTP_PORT", host: "SMTP_HOST" }`. */
export interface ListenSettings {
  port: string;
  host: string;
}

export class ListenError extends Error {
  readonly port: number;
  readonly host: string;
  /** The system's code (`EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`, …), when it gave one. */
  readonly code: string | undefined;

  constructor(
    input: { port: number; host: string; settings: ListenSettings; code: string | undefined; detail: string },
    options?: { cause?: unknown },
  ) {
    super(describe(input), options);
    this.name = "ListenError";
    this.port = input.port;
    this.host = input.host;
    this.code = input.code;
  }
}

function describe(input: {
  port: number;
  host: string;
  settings: ListenSettings;
  code: string | undefined;
  detail: string;
}): string {
  const { port, host, settings } = input;
  switch (input.code) {
    case "EADDRINUSE":
      return `${settings.port} ${port} is already in use: stop what listens there, or set ${settings.port} to a free port`;
    case "EACCES":
    case "EPERM":
      return `${settings.port} ${port} needs privileges to listen on: use a port above 1023, or give the process CAP_NET_BIND_SERVICE`;
    case "EADDRNOTAVAIL":
      return `${settings.host} ${host} is not an address of this machine`;
    default:
      return `cannot listen on ${settings.host} ${host}, ${settings.port} ${port}: ${input.detail}`;
  }
}

/** Wraps what a failed `listen` threw, keeping it as the cause. */
export function toListenError(
  error: unknown,
  at: { port: number; host: string; settings: ListenSettings },
): ListenError {
  if (error instanceof ListenError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  return new ListenError(
    {
      ...at,
      code: typeof code === "string" ? code : undefined,
      detail: error instanceof Error ? error.message : String(error),
    },
    { cause: error },
  );
}
