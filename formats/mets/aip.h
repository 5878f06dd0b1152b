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
  std::string outcome_detail;
  std::vector<std::string> agent_ids;
  std::vector<std::string> object_paths;  // files linked by their path; empty = the whole IE
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

// PREMIS 3.0 document:
//  <premis version="3.0"> with
//  - one object xsi:type="premis:intellectualEntity": objectIdentifier (type "URN" when
//    object_id starts with "urn:", else "local"; value object_id);
//  - one object xsi:type="premis:file" per file, in order: objectIdentifier (type "local",
//    value path), [significantProperties for unrepresentable names], objectCharacteristics
//    (compositionLevel 0, fixity SHA-256, size, format: PRONOM registry key and/or name, or
//    formatName "unknown" + note when not identified), originalName, relationship
//    structural / "is included in" → the IE;
//  - events in order: eventIdentifier (type "local", value id), eventType, eventDateTime,
//    eventDetailInformation, eventOutcomeInformation, linkingAgentIdentifier (type "local"),
//    linkingObjectIdentifier (the files by path, or the IE when object_paths is empty);
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
//  ID, MIMETYPE application/octet-stream, SIZE, CREATED, CHECKSUM, CHECKSUMTYPE SHA-256 and
//  FLocat LOCTYPE URL xlink:type simple xlink:href = percent-encoded path;
//  structMap TYPE PHYSICAL LABEL CSIP: one div (LABEL object_id) with a "Metadata" div
//  (DMDID/ADMID) and one div per fileGrp (LABEL = USE) with an fptr to the fileGrp.
// Not done: representation-level METS files (and their mptr, CSIP109).
std::string WriteMets(const Aip& aip, uint64_t premis_size, const std::string& premis_sha256);

// Reads a PREMIS 3 document as written by WritePremis: object_id (from the intellectual
// entity), files (path, original_name, size, sha256, format), events, agents. title, file_code,
// created and descriptive are left empty (they live in METS.xml: see ReadMets).
// A format written as the "not identified" placeholder (formatName "unknown" without a PRONOM
// registry entry) reads back as empty format_name/format_puid.
// Hostile-input safe: parsed with xml::ParseXml (no entities, no network, size limit), every
// number checked. Errors: kInvalidArgument for malformed XML or a document that is not PREMIS 3
// of this shape (missing identifiers, bad size, duplicate file paths, …).
Result<Aip> ReadPremis(std::string_view xml);

// Reads a METS.xml as written by WriteMets: object_id (OBJID), title (LABEL), file_code,
// descriptive (dmdSec bag-info key/values), created (metsHdr/@CREATEDATE), content_category
// (TYPE), software name/version (creator agent) and files (path = decoded FLocat href, size,
// sha256 when CHECKSUMTYPE is SHA-256). original_name, formats, events and agents are not in
// METS (see ReadPremis). Hostile-input safe like ReadPremis; kInvalidArgument when the root is
// not METS, OBJID is missing, or a file has no href or an invalid SIZE.
Result<Aip> ReadMets(std::string_view xml);

// Percent-encodes `path` for an xlink:href: every byte outside [A-Za-z0-9-._~/] becomes %XX
// (upper-case hex), so UTF-8, spaces, '%', '#', '?', ':' and '&' are all encoded.
std::string PercentEncodePath(std::string_view path);
// Inverse of PercentEncodePath; a '%' not followed by two hex digits is kept literally.
std::string PercentDecode(std::string_view s);

}  // namespace vault::mets
