// The AIP's preservation metadata: PREMIS 3.0 (`metadata/preservation/premis.xml`) and the
// package METS 1.12.1 document (`METS.xml`, E-ARK CSIP style), written from one `Aip` value,
// and PREMIS read back (to rebuild the catalog from storage).
//
// Text handling (both writers):
//  - Output is UTF-8 XML 1.0. Strings are written byte-exactly when they are valid UTF-8 made
//    only of characters XML 1.0 allows (all of Unicode except most C0 controls, U+FFFE/U+FFFF);
//    CR, TAB and LF are written as character references where a parser would otherwise
//    normalise them, so they survive a round trip.
//  - Any other string (invalid UTF-8, NUL, other C0 controls) cannot be represented in XML.
//    It is written *lossily*: each invalid byte and each forbidden character becomes U+FFFD.
//    The writers never produce ill-formed XML.
//  - Exception, lossless: a PremisFile::original_name that is not representable is also
//    recorded as a significantProperties entry of type `kOriginalNameBytesProperty` whose value
//    is the percent-encoding (%XX of every byte outside [A-Za-z0-9-._~/]) of the exact bytes;
//    originalName then holds the lossy form for humans. ReadPremis prefers that entry, so
//    original_name round-trips byte-exactly for every input. (The ingest rejects such names
//    earlier; this is a last line of defence.)
//  - The writers do not validate values: `created` and the METS dates must be xs:dateTime
//    (e.g. "2026-11-23T09:42:26+07:00") for METS.xml to be schema-valid; sizes above
//    INT64_MAX would not be valid xs:long. Tests validate the output against the XSDs.
//
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/base/status.h"

namespace vault::mets {

struct PremisFile {
  std::string path;           // NFC path inside the AIP, e.g. "representations/rep1/data/a.pdf"
  std::string original_name;  // name exactly as submitted (raw bytes, may be NFD)
  uint64_t size = 0;
  std::string sha256;                    // lower-case hex
  std::string format_puid, format_name;  // optional (empty = not identified)
  // Additions for format identification and migration (issue 5); all optional, empty = absent.
  // The representation a file belongs to is implicit in `path`
  // ("representations/rep2-pdfa-2b/data/…"): there is no field for it.
  std::string format_version;  // formatDesignation/formatVersion, e.g. "1.7" or "2b". Written
                               // only together with a non-empty format_name (PREMIS needs a
                               // formatName before a formatVersion); ignored otherwise.
  std::string format_note;     // free text from the caller, one premis:formatNote, e.g.
                               // "basis: container; DROID V122; container signatures 20260119"
  std::string derived_from;    // path (inside the AIP) of the file this one was migrated from;
                               // a PREMIS derivation / "has source" relationship
  std::string mime;            // METS file/@MIMETYPE (IANA type); empty = application/octet-stream
};

struct PremisAgent {
  std::string id, name, type, note;  // type: "software", "person", "organization"
};

struct PremisEvent {
  std::string id;    // e.g. "event-<uuid>" (xs:ID-safe)
  std::string type;  // "ingestion", "validation", "message digest calculation", …
  std::string time;  // ISO 8601 with offset
  std::string detail;
  std::string outcome;  // "success" | "failure"
  std::string outcome_detail;  // premis:eventOutcomeDetailNote (e.g. a converter's message)
  std::vector<std::string> agent_ids;
  // Files linked by their path. When both lists are empty the event links the whole IE.
  // When outcome_paths is empty, object_paths are written without a linkingObjectRole (as
  // before issue 5). When it is not empty, every link carries a PREMIS 3 linkingObjectRole from
  // the LoC eventRelatedObjectRole vocabulary: kRoleSource for object_paths, kRoleOutcome for
  // outcome_paths (e.g. migration: source = the rep1 file, outcome = the rep2 file).
  std::vector<std::string> object_paths;
  std::vector<std::string> outcome_paths;  // files produced by the event
};

struct Aip {
  std::string object_id;         // the vault's object id (also the OCFL id), "urn:uuid:…"
  std::string title, file_code;  // descriptive (from bag-info); may be empty
  std::string created;           // ISO 8601 (xs:dateTime)
  std::vector<std::pair<std::string, std::string>> descriptive;  // bag-info labels, in order
  std::vector<PremisFile> files;  // every payload + submission file (not METS.xml/premis.xml)
  std::vector<PremisAgent> agents;
  std::vector<PremisEvent> events;
  // Additions (not read back by ReadPremis):
  std::string content_category = "Mixed";  // mets/@TYPE (CSIP content category vocabulary)
  std::string software_name = "archive-vault";  // metsHdr creator agent (CSIP10–16)
  std::string software_version = "0.1.0";
};

// Where PREMIS lives inside the AIP (the METS mdRef href).
inline constexpr std::string_view kPremisPath = "metadata/preservation/premis.xml";
inline constexpr std::string_view kPremisNs = "http://www.loc.gov/premis/v3";
inline constexpr std::string_view kMetsNs = "http://www.loc.gov/METS/";
inline constexpr std::string_view kXlinkNs = "http://www.w3.org/1999/xlink";
inline constexpr std::string_view kCsipNs = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS";
inline constexpr std::string_view kCsipProfile =
    "https://earkcsip.dilcis.eu/profile/E-ARK-CSIP.xml";
// Namespace of the key/value descriptive metadata inside the METS dmdSec (mdWrap MDTYPE OTHER).
inline constexpr std::string_view kBagInfoNs = "urn:x-archive-vault:bag-info";
inline constexpr std::string_view kOriginalNameBytesProperty = "originalName percent-encoded bytes";

// Terms of the Library of Congress preservation vocabularies (id.loc.gov/vocabulary/preservation)
// used by the writers and the callers.
// eventType:
inline constexpr std::string_view kEventIngestion = "ingestion";
inline constexpr std::string_view kEventFormatIdentification = "format identification";
inline constexpr std::string_view kEventValidation = "validation";
inline constexpr std::string_view kEventMigration = "migration";
// relationshipType / relationshipSubType of a migrated file towards its source:
inline constexpr std::string_view kRelationshipDerivation = "derivation";
inline constexpr std::string_view kRelationshipHasSource = "has source";
// eventRelatedObjectRole (premis:linkingObjectRole):
inline constexpr std::string_view kRoleSource = "source";
inline constexpr std::string_view kRoleOutcome = "outcome";
// METS MIMETYPE written when PremisFile::mime is empty.
inline constexpr std::string_view kDefaultMime = "application/octet-stream";

// PREMIS 3.0 document:
//  <premis version="3.0"> with
//  - one object xsi:type="premis:intellectualEntity": objectIdentifier (type "URN" when
//    object_id starts with "urn:", else "local"; value object_id);
//  - one object xsi:type="premis:file" per file, in order: objectIdentifier (type "local",
//    value path), [significantProperties for unrepresentable names], objectCharacteristics
//    (compositionLevel 0, fixity SHA-256, size, one format: formatDesignation (formatName
//    format_name, then formatVersion format_version when both are set) and/or formatRegistry
//    (PRONOM, key format_puid, role "specification"), or formatName "unknown" + formatNote
//    "format not identified" when neither puid nor name is set; then formatNote format_note
//    when set), originalName, relationship structural / "is included in" → the IE, and, when
//    derived_from is set, relationship kRelationshipDerivation / kRelationshipHasSource →
//    relatedObjectIdentifier type "local", value derived_from;
//  - events in order: eventIdentifier (type "local", value id), eventType, eventDateTime,
//    eventDetailInformation, eventOutcomeInformation (eventOutcome, eventOutcomeDetailNote
//    outcome_detail), linkingAgentIdentifier (type "local"), linkingObjectIdentifier: the IE
//    when object_paths and outcome_paths are both empty, else one per path (type "local"),
//    object_paths first then outcome_paths; with linkingObjectRole kRoleSource / kRoleOutcome
//    only when outcome_paths is not empty;
//  - agents: agentIdentifier (type "local"), agentName, agentType, agentNote.
std::string WritePremis(const Aip& aip);

// METS 1.12.1, E-ARK CSIP style, for the AIP root (METS.xml):
//  mets OBJID=object_id TYPE=content_category PROFILE=kCsipProfile LABEL=title;
//  metsHdr CREATEDATE=created csip:OAISPACKAGETYPE="AIP" with the creator software agent;
//  dmdSec "dmd-1" (only if title/file_code/descriptive are not all empty): mdWrap MDTYPE OTHER
//  OTHERMDTYPE "BagIt bag-info" with <bi:bagInfo xmlns:bi=kBagInfoNs> title/fileCode/entry;
//  amdSec/digiprovMD "premis-1" with mdRef LOCTYPE URL xlink:href=kPremisPath MDTYPE PREMIS
//  MIMETYPE text/xml SIZE CREATED CHECKSUM CHECKSUMTYPE SHA-256;
//  fileSec "filesec-1": one fileGrp per "representations/<rep>" (USE "Representations/<rep>"),
//  one for "submission" (USE "submission"), one per other top-level folder (USE = folder;
//  "Documentation"/"Schemas" for documentation/schemas), in first-seen order; each file with
//  ID, MIMETYPE (mime, or kDefaultMime when empty), SIZE, CREATED, CHECKSUM, CHECKSUMTYPE
//  SHA-256 and FLocat LOCTYPE URL xlink:type simple xlink:href = percent-encoded path;
//  structMap TYPE PHYSICAL LABEL CSIP: one div (LABEL object_id) with a "Metadata" div
//  (DMDID/ADMID) and one div per fileGrp (LABEL = USE) with an fptr to the fileGrp.
// A migrated representation ("representations/rep2-pdfa-2b/…") is simply one more fileGrp
// ("Representations/rep2-pdfa-2b"). Provenance (derived_from, migration events) lives only in
// PREMIS: CSIP has no METS construct for it (file/@ADMID, CSIP74, is optional and not used).
// Not done: representation-level METS files (and their mptr, CSIP109).
std::string WriteMets(const Aip& aip, uint64_t premis_size, const std::string& premis_sha256);

// Reads a PREMIS 3 document as written by WritePremis: object_id (from the intellectual
// entity), files (path, original_name, size, sha256, format puid/name/version/note,
// derived_from), events (including outcome_paths), agents. title, file_code, created,
// descriptive and PremisFile::mime are left empty (they live in METS.xml: see ReadMets).
// Format: the first premis:format that names a format (a later one is read only while the
// earlier ones were placeholders). The "not identified" placeholder (formatName "unknown"
// without a PRONOM registry entry) reads back as empty format_name/format_puid/format_version,
// and its first formatNote "format not identified" is skipped; format_note is the first
// remaining formatNote (further notes from foreign writers are ignored).
// derived_from: the first relationship whose type/subtype are exactly "derivation"/"has source"
// and which has a non-empty "local" relatedObjectIdentifier; other relationships (unknown
// types, other identifier types) are ignored. It is not checked against the file list.
// Event links: a linkingObjectIdentifier with a linkingObjectRole "outcome" goes to
// outcome_paths; "source", no role or any other role to object_paths; the IE link is dropped.
// Hostile-input safe: parsed with xml::ParseXml (no entities, no network, size limit), every
// number checked. Errors: kInvalidArgument for malformed XML or a document that is not PREMIS 3
// of this shape (missing identifiers, bad size, duplicate file paths, a file derived from
// itself, …).
Result<Aip> ReadPremis(std::string_view xml);

// Reads a METS.xml as written by WriteMets: object_id (OBJID), title (LABEL), file_code,
// descriptive (dmdSec bag-info key/values), created (metsHdr/@CREATEDATE), content_category
// (TYPE), software name/version (creator agent) and files (path = decoded FLocat href, size,
// sha256 when CHECKSUMTYPE is SHA-256, mime = MIMETYPE as written, so kDefaultMime when the
// writer was given none). original_name, formats, derived_from, events and agents are not in
// METS (see ReadPremis). Hostile-input safe like ReadPremis; kInvalidArgument when the root is
// not METS, OBJID is missing, or a file has no href or an invalid SIZE.
Result<Aip> ReadMets(std::string_view xml);

// Percent-encodes `path` for an xlink:href: every byte outside [A-Za-z0-9-._~/] becomes %XX
// (upper-case hex), so UTF-8, spaces, '%', '#', '?', ':' and '&' are all encoded.
std::string PercentEncodePath(std::string_view path);
// Inverse of PercentEncodePath; a '%' not followed by two hex digits is kept literally.
std::string PercentDecode(std::string_view s);

// The premis:formatNote archive-vault writes for an identified (or unidentified) file, and its
// reading back into the catalog (docs/FORMATS.md):
//   "identification basis: <basis>; signatures: <signature files>[; <remarks>]"
// basis: "signature" | "container" | "extension" | "none"; ';' inside the signature text is
// written as ','. Reading a note of another shape gives empty fields.
struct FormatNote {
  std::string basis, signatures, remarks;
};
std::string WriteFormatNote(const FormatNote& n);
FormatNote ReadFormatNote(std::string_view note);

}  // namespace vault::mets
