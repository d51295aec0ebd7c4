// tests/lib/openapi/check.mjs DOC RECORDS: checks an OpenAPI document and
// replies recorded from a live stack against it. Exits 0 when all holds,
// 1 printing one line per problem otherwise.
//
// The document: valid OpenAPI 3.0 by @seriousme/openapi-schema-validator
// (an implementation independent of ours); every operation has a unique
// operationId; every object schema says whether it is open
// (additionalProperties true or a schema) or closed (false), and every
// closed one of a reply has a required list.
//
// RECORDS: one reply a line, tab-separated: method, the documented path
// ("/api/runs/{run}"), the status, the Content-Type and a file holding
// the body. Each is checked with ajv against the schema the document
// gives that operation, status and type (a closed object with a field it
// does not list, or one without a required field, fails), and every GET
// operation must have a 2xx reply among them.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [docPath, recordsPath] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(docPath, "utf8"));
const problems = [];
const METHODS = ["get", "put", "patch", "post", "delete"];

async function checkDocument() {
	const res = await new Validator().validate(structuredClone(doc));
	if (!res.valid)
		problems.push("document invalid: " + JSON.stringify(res.errors));
}

function operations() {
	const out = [];
	for (const [path, item] of Object.entries(doc.paths))
		for (const m of METHODS)
			if (item[m]) out.push({ method: m, path, op: item[m] });
	return out;
}

function checkOperationIds() {
	const seen = new Set();
	for (const { method, path, op } of operations()) {
		if (!op.operationId)
			problems.push(`${method} ${path}: no operationId`);
		else if (seen.has(op.operationId))
			problems.push(`${op.operationId}: used twice`);
		seen.add(op.operationId);
	}
}

// Walks every schema under node, calling fn(schema, where).
function eachSchema(node, where, fn) {
	if (Array.isArray(node)) {
		node.forEach((v, i) => eachSchema(v, `${where}/${i}`, fn));
		return;
	}
	if (node === null || typeof node !== "object") return;
	if (node.type === "object") fn(node, where);
	for (const [k, v] of Object.entries(node))
		if (k !== "example" && k !== "default")
			eachSchema(v, `${where}/${k}`, fn);
}

// Every object schema, in components and inline in operations, is open
// or closed; a closed one of a reply lists what is required (request
// bodies may leave fields out).
function checkObjectsTyped() {
	const input = new Set(["FlowDefinitionInput", "RepoPut"]);
	const typed = (o, where) => {
		if (!("additionalProperties" in o))
			problems.push(`${where}: object neither open nor closed`);
	};
	for (const [name, s] of Object.entries(doc.components.schemas))
		eachSchema(s, name, (o, where) => {
			typed(o, where);
			if (o.additionalProperties === false &&
			    o.properties && !o.required && !input.has(name))
				problems.push(`${where}: closed object without required`);
		});
	for (const { method, path, op } of operations())
		eachSchema(op, `${method} ${path}`, typed);
}

function newAjv() {
	const ajv = new Ajv({ strict: false, allErrors: true,
	    validateSchema: false });
	addFormats(ajv);
	ajv.addSchema(doc, "openapi.json");
	return ajv;
}

function resolveResponse(resp) {
	while (resp && resp.$ref)
		resp = doc.components.responses[resp.$ref.split("/").pop()];
	return resp;
}

function checkRecord(ajv, line, seen) {
	const [method, path, status, ctype, file] = line.split("\t");
	const m = method.toLowerCase();
	const what = `${method} ${path} ${status}`;
	// A 405 answers a method the path lacks: any of its operations
	// documents that reply.
	const item = doc.paths[path] || {};
	const om = status === "405" && !item[m] ?
	    METHODS.find((x) => item[x]) : m;
	const op = item[om];
	if (!op) return problems.push(`${what}: no such operation`);
	const resp = resolveResponse(op.responses[status]);
	if (!resp) return problems.push(`${what}: status not documented`);
	if (status.startsWith("2")) seen.add(`${m} ${path}`);
	const type = (ctype || "").split(";")[0].trim();
	const content = resp.content || {};
	if (Object.keys(content).length === 0) {
		if (readFileSync(file).length !== 0)
			problems.push(`${what}: documented without a body, has one`);
		return;
	}
	if (!content[type])
		return problems.push(`${what}: type "${type}" not documented`);
	if (type !== "application/json") return;
	const ptr = status in op.responses && op.responses[status].$ref ?
	    `#/components/responses/${op.responses[status].$ref.split("/").pop()}` :
	    `#/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}` +
	    `/${om}/responses/${status}`;
	const validate = ajv.getSchema(
	    `openapi.json${ptr}/content/application~1json/schema`);
	const body = JSON.parse(readFileSync(file, "utf8"));
	if (!validate(body))
		for (const e of validate.errors)
			problems.push(`${what}: ${e.instancePath || "/"} ${e.message}` +
			    ` ${JSON.stringify(e.params)}`);
}

function checkRecords() {
	const ajv = newAjv();
	const seen = new Set();
	const lines = readFileSync(recordsPath, "utf8").split("\n")
	    .filter(Boolean);
	for (const line of lines) checkRecord(ajv, line, seen);
	for (const { method, path } of operations())
		if (method === "get" && !seen.has(`get ${path}`))
			problems.push(`GET ${path}: no 2xx reply checked`);
	return lines.length;
}

await checkDocument();
checkOperationIds();
checkObjectsTyped();
const n = checkRecords();
if (problems.length) {
	console.log(problems.join("\n"));
	process.exit(1);
}
console.log(`document valid; ${n} replies match their schemas`);
