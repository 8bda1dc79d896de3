// Per file, not only in tsconfig: Bun reads tsconfig from the working directory, which for `npm start` may be anywhere.
/** @jsxImportSource hono/jsx */
import {
  HTTP_METHODS,
  type OpenApiDocument,
  type OperationObject,
  type ParameterObject,
  type SchemaObject,
} from "./openapi-types";
import { sampleFromSchema } from "./sample";
import { Prose, SchemaView, TypeLabel } from "./schema-view";
import { STYLES } from "./styles";

/**
 * GET /docs: the OpenAPI document rendered on the server as one HTML page,
 * with no script and nothing loaded from elsewhere (no CDN): it works offline,
 * on Workers, and behind a strict CSP. Same source as /openapi.json, so it
 * cannot drift from what the API validates.
 */

interface Operation {
  method: string;
  path: string;
  operation: OperationObject;
  anchor: string;
}

function listOperations(document: OpenApiDocument): Map<string, Operation[]> {
  const byTag = new Map<string, Operation[]>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? "Other";
      const anchor = `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
      const list = byTag.get(tag) ?? [];
      list.push({ method, path, operation, anchor });
      byTag.set(tag, list);
    }
  }
  return byTag;
}

function curlExample(document: OpenApiDocument, op: Operation): string {
  const base = document.servers?.[0]?.url ?? "";
  const security = op.operation.security ?? document.security ?? [];
  const scheme = Object.keys(security[0] ?? {})[0];
  const lines = [`curl -X ${op.method.toUpperCase()} "${base}${op.path.replace(/\{(\w+)\}/g, "<$1>")}"`];
  if (scheme === "adminToken") lines.push(`-H "Authorization: Bearer $OMNIMAIL_ADMIN_TOKEN"`);
  else if (scheme) lines.push(`-H "Authorization: Bearer $OMNIMAIL_API_KEY"`);
  const json = op.operation.requestBody?.content?.["application/json"]?.schema;
  if (json) {
    lines.push(`-H "Content-Type: application/json"`);
    lines.push(`-d '${JSON.stringify(sampleFromSchema(document, json)).replaceAll("'", "'\\''")}'`);
  }
  return lines.join(" \\\n  ");
}

function Parameters(props: { parameters: ParameterObject[]; title?: string }) {
  if (props.parameters.length === 0) return null;
  return (
    <>
      <h4>{props.title ?? "Parameters"}</h4>
      <table class="fields">
        <tbody>
          {props.parameters.map((parameter) => (
            <tr>
              <td>
                <code>{parameter.name}</code> <span class="where">{parameter.in}</span>
                {parameter.required ? "" : <span class="optional"> optional</span>}
              </td>
              <td class="type">{parameter.schema ? <TypeLabel schema={parameter.schema} /> : "string"}</td>
              <td>
                <Prose text={parameter.description ?? parameter.schema?.description} />
                {parameter.schema?.example !== undefined ? (
                  <p class="example">
                    e.g. <code>{String(parameter.schema.example)}</code>
                  </p>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Content(props: { document: OpenApiDocument; content: Record<string, { schema?: SchemaObject }> }) {
  return (
    <>
      {Object.entries(props.content).map(([mediaType, media]) => (
        <div class="content">
          <p class="media">{mediaType}</p>
          {media.schema ? <SchemaView document={props.document} schema={media.schema} /> : null}
        </div>
      ))}
    </>
  );
}

function Responses(props: { document: OpenApiDocument; operation: OperationObject }) {
  return (
    <table class="responses">
      <tbody>
        {/* By status ("2XX" before "410"; "default" last), whatever order the keys came in. */}
        {Object.entries(props.operation.responses ?? {})
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, response]) => (
            <tr>
              <td class={`status s${status.charAt(0)}`}>{status}</td>
              <td>
                <Prose text={response.description} />
                {response.content && status.startsWith("2") ? (
                  <Content document={props.document} content={response.content} />
                ) : null}
              </td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

function OperationView(props: { document: OpenApiDocument; op: Operation }) {
  const { document, op } = props;
  const { operation } = op;
  const security = operation.security ?? document.security ?? [];
  const scheme = Object.keys(security[0] ?? {})[0];
  return (
    <article id={op.anchor}>
      <h3>
        <span class={`method ${op.method}`}>{op.method.toUpperCase()}</span> <code>{op.path}</code>
      </h3>
      <p class="summary">{operation.summary}</p>
      <Prose text={operation.description} />
      <p class="auth">
        {scheme === "adminToken"
          ? "Auth: Bearer OMNIMAIL_ADMIN_TOKEN"
          : scheme
            ? "Auth: Bearer API key"
            : "Auth: none"}
      </p>
      <Parameters parameters={operation.parameters ?? []} />
      {operation.requestBody?.content ? (
        <>
          <h4>Request body{operation.requestBody.required ? "" : " (optional)"}</h4>
          <Content document={document} content={operation.requestBody.content} />
        </>
      ) : null}
      <h4>Responses</h4>
      <Responses document={document} operation={operation} />
      <h4>Example</h4>
      <pre>{curlExample(document, op)}</pre>
    </article>
  );
}

interface WebhookEvent {
  type: string;
  method: string;
  operation: OperationObject;
  anchor: string;
}

/** The document's top-level `webhooks`: the events we send, keyed by event type. */
function listWebhookEvents(document: OpenApiDocument): WebhookEvent[] {
  return Object.entries(document.webhooks ?? {}).flatMap(([type, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method];
      if (!operation) return [];
      return [{ type, method, operation, anchor: `webhook-${type.replace(/[^A-Za-z0-9]+/g, "-")}` }];
    }),
  );
}

/** The request a receiver gets: the signature headers and the example body. */
function webhookExample(event: WebhookEvent): string {
  const headers = (event.operation.parameters ?? [])
    .filter((parameter) => parameter.in === "header")
    .map((parameter) => `${parameter.name}: ${String(parameter.schema?.example ?? "…")}`);
  const example = event.operation.requestBody?.content?.["application/json"]?.example;
  return [
    `${event.method.toUpperCase()} <your endpoint URL>`,
    "content-type: application/json",
    ...headers,
    "",
    JSON.stringify(example ?? {}, null, 2),
  ].join("\n");
}

function WebhookEventView(props: { document: OpenApiDocument; event: WebhookEvent }) {
  const { document, event } = props;
  const { operation } = event;
  return (
    <article id={event.anchor}>
      <h3>
        <span class={`method ${event.method}`}>{event.method.toUpperCase()}</span> <code>{event.type}</code>
      </h3>
      <p class="summary">{operation.summary}</p>
      <Prose text={operation.description} />
      <Parameters parameters={operation.parameters ?? []} title="Headers" />
      {operation.requestBody?.content ? (
        <>
          <h4>Body</h4>
          <Content document={document} content={operation.requestBody.content} />
        </>
      ) : null}
      <h4>Your answer</h4>
      <Responses document={document} operation={operation} />
      <h4>Example</h4>
      <pre>{webhookExample(event)}</pre>
    </article>
  );
}

function Page(props: { document: OpenApiDocument }) {
  const { document } = props;
  const byTag = listOperations(document);
  const events = listWebhookEvents(document);
  const schemas = Object.entries(document.components?.schemas ?? {});
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${document.info.title} reference`}</title>
        <style>{STYLES}</style>
      </head>
      <body>
        <nav>
          <p class="brand">
            <a href="#top">{document.info.title}</a> <span>v{document.info.version}</span>
          </p>
          {[...byTag.entries()].map(([tag, operations]) => (
            <>
              <p class="tag">{tag}</p>
              <ul>
                {operations.map((op) => (
                  <li>
                    <a href={`#${op.anchor}`}>
                      <span class={`method ${op.method}`}>{op.method.toUpperCase()}</span> {op.path}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          ))}
          {events.length > 0 ? (
            <>
              <p class="tag">
                <a href="#webhooks">Webhook events</a>
              </p>
              <ul>
                {events.map((event) => (
                  <li>
                    <a href={`#${event.anchor}`}>
                      <span class={`method ${event.method}`}>{event.method.toUpperCase()}</span> {event.type}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <p class="tag">
            <a href="#schemas">Schemas</a>
          </p>
        </nav>
        <main id="top">
          <h1>{document.info.title}</h1>
          <Prose text={document.info.description?.replace(/\n(?!\n)/g, " ")} />
          <p>
            Base URL: <code>{document.servers?.[0]?.url ?? ""}</code>. Machine-readable:{" "}
            <a href="openapi.json">/openapi.json</a> (OpenAPI 3.1).
          </p>
          {[...byTag.entries()].map(([tag, operations]) => (
            <section>
              <h2>{tag}</h2>
              {operations.map((op) => (
                <OperationView document={document} op={op} />
              ))}
            </section>
          ))}
          {events.length > 0 ? (
            <section id="webhooks">
              <h2>Webhook events</h2>
              <p>
                What OmniMail sends to your endpoints (OpenAPI's <code>webhooks</code>): one signed{" "}
                <code>POST</code> per event, with the body and headers below.
              </p>
              {events.map((event) => (
                <WebhookEventView document={document} event={event} />
              ))}
            </section>
          ) : null}
          <section id="schemas">
            <h2>Schemas</h2>
            {schemas.map(([name, schema]) => (
              <article id={`schema-${name}`}>
                <h3>{name}</h3>
                <SchemaView document={document} schema={schema} />
              </article>
            ))}
          </section>
        </main>
      </body>
    </html>
  );
}

export async function renderReferencePage(document: OpenApiDocument): Promise<string> {
  return `<!doctype html>${await (<Page document={document} />).toString()}`;
}
