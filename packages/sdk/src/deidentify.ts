/**
 * De-identification of the document formats MIIP's clients write, before a patient's data leaves for research.
 *
 * What it does: for a FHIR resource in JSON (a Patient, an Observation, a DiagnosticReport, or a Bundle of them),
 * it drops every direct identifier HIPAA's Safe Harbor method lists that a FHIR resource carries (names,
 * identifiers, contacts, addresses beyond the first three digits of a postcode, photos, links to other people,
 * free-text notes and narratives, references to the patient or to practitioners by id or display name) and keeps
 * of every date its year only (birth dates of patients over 89 become "90+"). For plain text, it removes lines
 * labelled with a name, an address, a contact or an identifier (in English or Korean), Korean resident registration
 * numbers, telephone numbers, e-mail addresses and URLs, and cuts dates to their year.
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

/** FHIR fields that identify a person directly: dropped wherever they appear. */
const FHIR_DROPPED = new Set([
  "name",
  "identifier",
  "telecom",
  "photo",
  "contact",
  "link",
  "text",
  "note",
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
  }
  return value;
}

function fhirObject(object: Record<string, unknown>, removed: Set<string>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const at = path ? `${path}.${key}` : key;
    if (FHIR_DROPPED.has(key)) {
      removed.add(at);
      continue;
    }
    if (FHIR_PERSON_REFERENCES.has(key) && value !== null && typeof value === "object") {
      removed.add(`${at}: reference to a person`);
      out[key] = { type: "Patient" };
      continue;
    }
    if (key === "address") {
      removed.add(`${at}: address cut to the first 3 digits of its postcode`);
      const addresses = (Array.isArray(value) ? value : [value]) as Record<string, unknown>[];
      out[key] = addresses.map((a) => {
        const postcode = typeof a?.postalCode === "string" ? a.postalCode.replace(/\D/g, "").slice(0, 3) : undefined;
        return postcode ? { postalCode: postcode, country: a.country } : { country: a?.country };
      });
      continue;
    }
    if (key === "birthDate" && typeof value === "string") {
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

/** Text patterns that identify someone, each replaced by a label in brackets. */
const TEXT_PATTERNS: [RegExp, string][] = [
  [/\b\d{6}\s?-\s?[1-8]\d{6}\b/g, "resident registration number"],
  [/[\w.+-]+@[\w-]+\.[\w.-]+/g, "e-mail address"],
  [/\bhttps?:\/\/\S+/g, "URL"],
  [/(\+82[\s-]?|\b0)\d{1,2}[\s-]?\d{3,4}[\s-]?\d{4}\b/g, "telephone number"],
];

/** Labels of lines that name or locate a person: the whole line goes. */
const TEXT_LABELS =
  /^\s*(patient|name|full name|address|phone|tel|telephone|mobile|e-?mail|id|mrn|medical record number|insurance (no|number)|guardian|doctor|physician|환자|환자명|성명|이름|주소|전화|연락처|휴대폰|주민등록번호|보호자|담당의|의사)\s*[:：]/i;

const TEXT_DATE = /\b(\d{4})[-./년]\s?(\d{1,2})[-./월]\s?(\d{1,2})일?\b/g;

function deidentifyText(text: string, removed: Set<string>): string {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const label = TEXT_LABELS.exec(line);
    if (label) {
      removed.add(`line labelled "${label[1]}"`);
      continue;
    }
    let out = line;
    for (const [pattern, what] of TEXT_PATTERNS) {
      out = out.replace(pattern, () => {
        removed.add(what);
        return `[${what}]`;
      });
    }
    out = out.replace(TEXT_DATE, (_match, year: string) => {
      removed.add("date cut to its year");
      return year;
    });
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
