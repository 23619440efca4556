/**
 * De-identification of the document formats MIIP's clients write, before a patient's data leaves for research.
 *
 * What it does: for a FHIR resource in JSON (a Patient, an Observation, a DiagnosticReport, an Encounter, or a Bundle
 * of them), it drops every direct identifier HIPAA's Safe Harbor method lists that a FHIR resource carries: names,
 * identifiers under any key, contacts, photos and attachments (a report's presented form), links to other people,
 * narratives and notes, extensions (which may carry anything), the people and organisations involved (performers,
 * participants, interpreters...), a Bundle's request and response URLs, and any display name that is not a code's;
 * it keeps a reference as its resource type only, an address as the first three digits of its postcode, every date
 * as its year (birth dates of patients over 89 become "90+"), and runs every other string through the text rules.
 * For plain text, it removes lines whose label names a person, an identifier, a record number, an address, a contact
 * or a relative (in English or Korean), Korean resident registration numbers, telephone numbers, e-mail addresses and
 * URLs, and cuts dates to their year. XML and HTML (CDA, FHIR XML) and binary documents are refused.
 *
 * What it cannot do, said plainly: nothing on chain can check a de-identified copy (the chain sees a digest of
 * ciphertext), and free text may name someone in a way no rule foresees. The researcher's terms (their digest is
 * on chain with the request) are what binds it not to re-identify anyone; the patient's client shows what will be
 * sent before it is sent. `removed` lists what was taken out, for that review.
 */

/** The formats {@link deidentify} recognises. */
export type DeidentifiedFormat = "fhir-json" | "text";

/** A de-identified copy and what was taken out of it. */
export interface Deidentified {
  /** The de-identified document, UTF-8. */
  document: Uint8Array;
  format: DeidentifiedFormat;
  /** What was removed or generalised, one entry per field or pattern (never the values). */
  removed: string[];
}

/**
 * FHIR fields that identify a person directly, or may carry anything (extensions): dropped wherever they appear.
 * Every other object that points at another resource (it has a `reference`) is kept as its type only.
 */
const FHIR_DROPPED = new Set([
  "name",
  "identifier",
  "telecom",
  "photo",
  "contact",
  "link",
  "note",
  "presentedForm",
  "attachment",
  "content",
  "request",
  "response",
  "resultsInterpreter",
  "interpreter",
  "practitioner",
  "extension",
  "modifierExtension",
  "participant",
  "individual",
  "agent",
  "location",
  "organization",
  "custodian",
  "collector",
  "insurance",
  "account",
  "source",
  "generalPractitioner",
  "managingOrganization",
  "performer",
  "requester",
  "recorder",
  "asserter",
  "author",
  "encounter",
  "device",
  "specimen",
  "basedOn",
  "partOf",
  "fullUrl",
  "id",
  "meta",
]);

/** Reference fields whose target is a person: kept as a type only ("Patient"). */
const FHIR_PERSON_REFERENCES = new Set(["subject", "patient", "beneficiary"]);

const ISO_DATE = /^(\d{4})(-\d{2}(-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

function fhirValue(key: string, value: unknown, removed: Set<string>, path: string): unknown {
  if (Array.isArray(value)) return value.map((v) => fhirValue(key, v, removed, path));
  if (value !== null && typeof value === "object") return fhirObject(value as Record<string, unknown>, removed, path);
  if (typeof value === "string") {
    const date = ISO_DATE.exec(value);
    if (date && date[2]) {
      removed.add(`${path}: date cut to its year`);
      return date[1];
    }
    // Free text inside a resource (a conclusion, a comment) goes through the text rules: numbers and contacts out.
    // A code and its code system's URL are vocabulary, not about anyone.
    return key === "system" || key === "code" ? value : redactPatterns(value, removed);
  }
  return value;
}

function fhirObject(object: Record<string, unknown>, removed: Set<string>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A display name beside no code is a person's or an organisation's (a Coding's display names a code).
  const isCoding = "code" in object || "system" in object;
  for (const [key, value] of Object.entries(object)) {
    const at = path ? `${path}.${key}` : key;
    // Any identifier, under any name (preAdmissionIdentifier, valueIdentifier), and a narrative (`text` as an object).
    if (
      FHIR_DROPPED.has(key) ||
      /identifier/i.test(key) ||
      (key === "text" && typeof value === "object") ||
      (key === "display" && !isCoding) ||
      /attachment/i.test(key)
    ) {
      removed.add(at);
      continue;
    }
    if (FHIR_PERSON_REFERENCES.has(key) && value !== null && typeof value === "object") {
      removed.add(`${at}: reference to a person`);
      out[key] = { type: "Patient" };
      continue;
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "reference" in value) {
      // Any other pointer to a resource (a practitioner, an organisation): its type, never its id or name.
      removed.add(`${at}: reference`);
      const type = String((value as { reference?: unknown }).reference ?? "").split("/")[0];
      out[key] = { type: /^[A-Z][A-Za-z]+$/.test(type) ? type : "Resource" };
      continue;
    }
    if (/address/i.test(key)) {
      removed.add(`${at}: address cut to the first 3 digits of its postcode`);
      const addresses = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
      out[key] = addresses.map((a) => {
        const postcode = typeof a?.postalCode === "string" ? a.postalCode.replace(/\D/g, "").slice(0, 3) : undefined;
        return postcode ? { postalCode: postcode, country: a.country } : { country: a?.country };
      });
      continue;
    }
    if (/birth/i.test(key) && typeof value === "string") {
      const year = Number(value.slice(0, 4));
      const age = new Date().getUTCFullYear() - year;
      removed.add(`${at}: cut to its year${age > 89 ? " (90 or older: 90+)" : ""}`);
      out[key] = age > 89 ? "90+" : String(year);
      continue;
    }
    out[key] = fhirValue(key, value, removed, at);
  }
  return out;
}

/** Replaces every identifying pattern of {@link TEXT_PATTERNS} in a string by its label in brackets. */
function redactPatterns(text: string, removed: Set<string>): string {
  let out = text;
  for (const [pattern, what] of TEXT_PATTERNS) {
    out = out.replace(pattern, () => {
      removed.add(what);
      return `[${what}]`;
    });
  }
  return out;
}

/** Text patterns that identify someone, each replaced by a label in brackets. */
const TEXT_PATTERNS: [RegExp, string][] = [
  [/\b\d{6}\s?-?\s?[1-8]\d{6}\b/g, "resident registration number"],
  [/[\w.+-]+@[\w-]+\.[\w.-]+/g, "e-mail address"],
  [/\bhttps?:\/\/\S+/g, "URL"],
  [/(\+82[\s.-]?|\b0)\d{1,2}[\s.-]?\d{3,4}[\s.-]?\d{4}\b/g, "telephone number"],
];

/**
 * Words that, in a line's label (what comes before its first colon), say the line names, locates or identifies a
 * person: the whole line goes ("Patient name:", "Patient ID:", "환자 이름:", "Address:").
 */
const TEXT_LABEL_WORDS =
  /\b(patient|name|address|phone|tel|telephone|mobile|e-?mail|id|mrn|ssn|record|no|number|insurance|guardian|kin|relative|doctor|physician|birth|dob|contact)\b|환자|성명|이름|주소|전화|연락처|휴대폰|주민|보호자|담당의|의사|생년월일|등록번호|번호|가족/i;

const MONTHS = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?";
/** Dates in the forms clinical text uses, each cut to its year (the year is the capture group named y). */
const TEXT_DATES: RegExp[] = [
  /\b(?<y>\d{4})[-./년]\s?\d{1,2}[-./월]\s?\d{1,2}일?/g,
  /\b\d{1,2}[-./]\d{1,2}[-./](?<y>\d{4})\b/g,
  new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTHS},?\\s+(?<y>\\d{4})\\b`, "gi"),
  new RegExp(`\\b${MONTHS}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+(?<y>\\d{4})\\b`, "gi"),
];

function deidentifyText(text: string, removed: Set<string>): string {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const colon = line.search(/[:：]/);
    const label = colon > 0 && colon <= 40 ? line.slice(0, colon).trim() : "";
    if (label && TEXT_LABEL_WORDS.test(label)) {
      removed.add(`line labelled "${label}"`);
      continue;
    }
    let out = redactPatterns(line, removed);
    for (const pattern of TEXT_DATES) {
      out = out.replace(pattern, (...match) => {
        removed.add("date cut to its year");
        return (match.at(-1) as { y: string }).y;
      });
    }
    lines.push(out);
  }
  return lines.join("\n");
}

/**
 * A de-identified copy of a document (see this module's comment for what is removed and what cannot be promised).
 * JSON whose top level is a FHIR resource (`resourceType`) is treated as FHIR; anything else that decodes as UTF-8
 * text as text. A binary document (an image, a DICOM file) is refused: its identifiers are in headers and pixels
 * this function does not read.
 */
export function deidentify(document: Uint8Array): Deidentified {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(document);
  } catch {
    throw new Error("deidentify: a binary document (not UTF-8 text) cannot be de-identified here");
  }
  const removed = new Set<string>();
  const trimmed = text.trim();
  if (trimmed.startsWith("<")) {
    // CDA, FHIR XML, HTML: names sit in elements and attributes the text rules do not read.
    throw new Error("deidentify: an XML or HTML document cannot be de-identified here: convert it to FHIR JSON first");
  }
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    if (
      parsed !== null &&
      typeof parsed === "object" &&
      typeof (parsed as { resourceType?: unknown }).resourceType === "string"
    ) {
      const out = fhirObject(parsed as Record<string, unknown>, removed, "");
      return { document: new TextEncoder().encode(JSON.stringify(out)), format: "fhir-json", removed: [...removed] };
    }
  }
  const out = deidentifyText(text, removed);
  return { document: new TextEncoder().encode(out), format: "text", removed: [...removed] };
}
