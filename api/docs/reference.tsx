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

function Parameters(props: { parameters: ParameterObject[] }) {
  if (props.parameters.length === 0) return null;
  return (
    <>
      <h4>Parameters</h4>
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
      <table class="responses">
        <tbody>
          {Object.entries(operation.responses ?? {}).map(([status, response]) => (
            <tr>
              <td class={`status s${status.charAt(0)}`}>{status}</td>
              <td>
                <Prose text={response.description} />
                {response.content && status.startsWith("2") ? (
                  <Content document={document} content={response.content} />
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h4>Example</h4>
      <pre>{curlExample(document, op)}</pre>
    </article>
  );
}

function Page(props: { document: OpenApiDocument }) {
  const { document } = props;
  const byTag = listOperations(document);
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
