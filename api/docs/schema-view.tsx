// Per file, not only in tsconfig: Bun reads tsconfig from the working directory, which for `npm start` may be anywhere.
/** @jsxImportSource hono/jsx */
import type { Child } from "hono/jsx";
import { type OpenApiDocument, refName, resolveSchema, type SchemaObject } from "./openapi-types";

/** `code` spans in descriptions become <code>; everything else is text (escaped by JSX). */
export function Prose(props: { text: string | undefined }) {
  if (!props.text) return null;
  return (
    <>
      {props.text.split("\n\n").map((paragraph) => (
        <p>{paragraph.split("`").map((part, i) => (i % 2 === 1 ? <code>{part}</code> : part))}</p>
      ))}
    </>
  );
}

/** A one-line type: `string`, `integer (1-100)`, `array of Mailbox`, `string or null`, a link for a named schema. */
export function TypeLabel(props: { schema: SchemaObject }): Child {
  const schema = props.schema;
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return <a href={`#schema-${name}`}>{name}</a>;
  }
  if (schema.enum) return <code>{schema.enum.map((value) => JSON.stringify(value)).join(" | ")}</code>;
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return joinLabels(choices);
  if (schema.allOf) return joinLabels(schema.allOf, " and ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const parts = types.map((type) => {
    if (type === "array" && schema.items) {
      return (
        <>
          array of <TypeLabel schema={schema.items} />
        </>
      );
    }
    return <>{type + constraints(schema, type)}</>;
  });
  if (parts.length === 0) return <>any</>;
  return (
    <>
      {parts.map((part, i) => (
        <>
          {i > 0 ? " or " : ""}
          {part}
        </>
      ))}
    </>
  );
}

function joinLabels(schemas: SchemaObject[], separator = " or ") {
  return (
    <>
      {schemas.map((choice, i) => (
        <>
          {i > 0 ? separator : ""}
          <TypeLabel schema={choice} />
        </>
      ))}
    </>
  );
}

function constraints(schema: SchemaObject, type: string): string {
  if (type === "null") return "";
  const notes: string[] = [];
  if (schema.format) notes.push(schema.format);
  if (schema.minimum !== undefined || schema.maximum !== undefined) {
    notes.push(`${schema.minimum ?? ""}-${schema.maximum ?? ""}`);
  }
  if (schema.minLength !== undefined || schema.maxLength !== undefined) {
    notes.push(`${schema.minLength ?? 0}-${schema.maxLength ?? "…"} chars`);
  }
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  return notes.length > 0 ? ` (${notes.join(", ")})` : "";
}

/** The fields of an object schema as a table; nested inline objects are nested tables. */
export function SchemaView(props: {
  document: OpenApiDocument;
  schema: SchemaObject;
  depth?: number;
}): Child {
  const depth = props.depth ?? 0;
  const schema = props.schema;
  if (schema.allOf) {
    return (
      <>
        {schema.allOf.map((part) =>
          part.$ref ? (
            <p>
              Every field of <TypeLabel schema={part} />, and:
            </p>
          ) : (
            <SchemaView document={props.document} schema={part} depth={depth} />
          ),
        )}
      </>
    );
  }
  const resolved = depth === 0 ? resolveSchema(props.document, schema) : schema;
  if (!resolved.properties) {
    return (
      <p>
        <TypeLabel schema={schema} />
        {resolved.description ? ` — ${resolved.description}` : ""}
      </p>
    );
  }
  const required = new Set(resolved.required ?? []);
  return (
    <table class="fields">
      <tbody>
        {Object.entries(resolved.properties).map(([name, property]) => {
          const item = property.items && !property.items.$ref ? property.items : null;
          const nested = !property.$ref && property.properties ? property : item?.properties ? item : null;
          return (
            <tr>
              <td>
                <code>{name}</code>
                {required.has(name) ? "" : <span class="optional"> optional</span>}
              </td>
              <td class="type">
                {nested && nested === property ? "object" : <TypeLabel schema={property} />}
              </td>
              <td>
                <Prose text={property.description} />
                {property.example !== undefined && property.example !== null ? (
                  <p class="example">
                    e.g. <code>{JSON.stringify(property.example)}</code>
                  </p>
                ) : null}
                {nested && depth < 3 ? (
                  <SchemaView document={props.document} schema={nested} depth={depth + 1} />
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
