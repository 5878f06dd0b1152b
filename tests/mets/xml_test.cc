// vault::xml: secure parsing (hostile documents) and SchemaSet (local XSDs only).
#include "vault/clib/xml.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/mets/schemas.h"
#include "tests/testing/test_util.h"

namespace vault::xml {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Records every external entity libxml2 tries to load (file or network) while installed, and
// refuses it. Chains nothing: a test passes only if nobody asked.
std::vector<std::string>* g_loads = nullptr;
xmlParserInputPtr RecordingLoader(const char* url, const char* id, xmlParserCtxtPtr) {
  if (g_loads) g_loads->push_back(url ? url : (id ? id : "(null)"));
  return nullptr;
}
class RecordLoads {
 public:
  RecordLoads() {
    InitXml();
    old_ = xmlGetExternalEntityLoader();
    g_loads = &loads;
    xmlSetExternalEntityLoader(RecordingLoader);
  }
  ~RecordLoads() {
    xmlSetExternalEntityLoader(old_);
    g_loads = nullptr;
  }
  std::vector<std::string> loads;

 private:
  xmlExternalEntityLoader old_;
};

// A TCP listener on 127.0.0.1:<ephemeral>; Connected() tells whether anyone connected.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }
  bool Connected() {
    int c = accept(fd_, nullptr, nullptr);
    if (c >= 0) {
      close(c);
      return true;
    }
    return !(errno == EAGAIN || errno == EWOULDBLOCK);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(ParseXmlTest, ParsesUtf8AndEscapes) {
  auto doc = ParseXml("<?xml version=\"1.0\"?><a x=\"1&amp;2\">Hồ sơ &lt;&#13;</a>", "t.xml");
  ASSERT_OK(doc);
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  EXPECT_EQ(NodeText(root), "Hồ sơ <\r");
  EXPECT_EQ(AttrValue(root, "", "x"), "1&2");
}

TEST(ParseXmlTest, MalformedReportsLineAndName) {
  auto doc = ParseXml("<a>\n<b></a>", "broken.xml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("broken.xml: line 2"));
}

TEST(ParseXmlTest, NamespaceErrorRejected) {
  auto doc = ParseXml("<p:a/>", "ns.xml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Code::kInvalidArgument);
}

TEST(ParseXmlTest, SizeLimit) {
  ParseOptions small;
  small.max_bytes = 16;
  auto doc = ParseXml("<a>0123456789012345678901234567890</a>", "big.xml", small);
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("exceeds the limit"));
  EXPECT_FALSE(ParseXml("", "empty.xml").ok());
}

TEST(ParseXmlTest, BillionLaughsRejectedQuickly) {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    xml += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) xml += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    xml += "\">\n";
  }
  xml += "]>\n<lolz>&lol9;</lolz>\n";
  const auto start = std::chrono::steady_clock::now();
  auto doc = ParseXml(xml, "lolz.xml");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), Code::kInvalidArgument);
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("declares entity 'lol'"));
  EXPECT_LT(took, std::chrono::seconds(1));
}

TEST(ParseXmlTest, ExternalGeneralEntityNotRead) {
  testing::TempDir dir;
  const auto secret = dir / "secret.txt";
  testing::WriteFile(secret, "TOP-SECRET-CONTENT");
  RecordLoads rec;
  for (const std::string& target :
       std::vector<std::string>{"file:///etc/passwd", "file://" + secret.string()}) {
    auto doc = ParseXml("<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"" + target +
                            "\">]><r>&x;</r>",
                        "xxe.xml");
    ASSERT_FALSE(doc.ok()) << target;
    EXPECT_THAT(std::string(doc.status().message()), HasSubstr("declares entity 'x'"));
    EXPECT_THAT(std::string(doc.status().message()), Not(HasSubstr("TOP-SECRET")));
    EXPECT_THAT(std::string(doc.status().message()), Not(HasSubstr("root:")));
  }
  EXPECT_THAT(rec.loads, IsEmpty());
}

TEST(ParseXmlTest, ExternalParameterEntityNotRead) {
  RecordLoads rec;
  auto doc = ParseXml(
      "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
      "<r/>",
      "pe.xml");
  ASSERT_FALSE(doc.ok());
  EXPECT_THAT(std::string(doc.status().message()), HasSubstr("declares entity 'p'"));
  EXPECT_THAT(rec.loads, IsEmpty());
}

TEST(ParseXmlTest, NetworkDtdNeverFetched) {
  Listener server;
  RecordLoads rec;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/evil.dtd";
  // A DOCTYPE without entity declarations is accepted, but its DTD is not loaded.
  auto doc = ParseXml("<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"" + url + "\"><r>ok</r>",
                      "dtd.xml");
  ASSERT_OK(doc);
  EXPECT_EQ(NodeText(xmlDocGetRootElement(doc->get())), "ok");
  EXPECT_EQ((*doc)->extSubset, nullptr);
  // An external entity on the network is refused.
  auto ent = ParseXml("<!DOCTYPE r [<!ENTITY x SYSTEM \"" + url + "\">]><r>&x;</r>", "net.xml");
  EXPECT_FALSE(ent.ok());
  // Undeclared entity with an unloaded external DTD: never resolved.
  auto undeclared = ParseXml("<!DOCTYPE r SYSTEM \"" + url + "\"><r>&x;</r>", "undeclared.xml");
  if (undeclared.ok()) {
    EXPECT_EQ(NodeText(xmlDocGetRootElement(undeclared->get())), "");
  }
  EXPECT_THAT(rec.loads, IsEmpty());
  EXPECT_FALSE(server.Connected());
}

TEST(ParseXmlTest, NoNetLoaderRefusesNetworkEvenIfAsked) {
  // Whatever a caller does with libxml2 directly, the process-wide loader stays offline.
  InitXml();
  Listener server;
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/x.xml";
  xmlSetStructuredErrorFunc(nullptr, [](void*, xmlErrorPtr) {});
  xmlDocPtr raw = xmlReadFile(url.c_str(), nullptr, 0);  // note: no XML_PARSE_NONET
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  XmlDocPtr doc(raw);
  EXPECT_EQ(doc, nullptr);
  EXPECT_FALSE(server.Connected());
}

class SchemaSetTest : public ::testing::Test {};

TEST(SchemaSetTest, PremisSamples) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto files = mets::FindSchemaFiles(corpora);
  ASSERT_OK(files);
  auto schema = mets::LoadPremisSchema(*files);
  ASSERT_OK(schema);
  const auto samples = files->dir / "premis" / "sample-records";

  auto valid = (*schema)->Validate(testing::ReadFile(samples / "PREMIS_3_example_1.xml"));
  ASSERT_OK(valid);
  EXPECT_THAT(*valid, IsEmpty());

  auto invalid = (*schema)->Validate(testing::ReadFile(samples / "PREMIS_3_example_2.xml"));
  ASSERT_OK(invalid);
  // The same three errors xmllint --schema reports: empty *Extension elements.
  ASSERT_EQ(invalid->size(), 3u) << ::testing::PrintToString(*invalid);
  EXPECT_THAT((*invalid)[0], HasSubstr("line 67: "));
  EXPECT_THAT((*invalid)[0], HasSubstr("creatingApplicationExtension"));
  EXPECT_THAT((*invalid)[1], HasSubstr("line 104: "));
  EXPECT_THAT((*invalid)[1], HasSubstr("environmentExtension"));
  EXPECT_THAT((*invalid)[2], HasSubstr("line 151: "));
  EXPECT_THAT((*invalid)[2], HasSubstr("eventOutcomeDetailExtension"));

  // METS is not PREMIS.
  auto mets = (*schema)->Validate(testing::ReadFile(samples / "PREMIS_3_in_METS_example_1.xml"));
  ASSERT_OK(mets);
  EXPECT_THAT(*mets, Not(IsEmpty()));
}

TEST(SchemaSetTest, WrapperValidatesMetsWithEmbeddedPremis) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto files = mets::FindSchemaFiles(corpora);
  ASSERT_OK(files);
  Listener server;  // not used by the schemas; proves nothing else connects either
  auto schema = mets::LoadMetsSchema(*files);
  ASSERT_OK(schema);
  for (const auto& rel : {"premis/sample-records/PREMIS_3_in_METS_example_1.xml",
                          "mets/examples/sample-mets1.xml"}) {
    auto errors = (*schema)->Validate(testing::ReadFile(files->dir / rel));
    ASSERT_OK(errors);
    EXPECT_THAT(*errors, IsEmpty()) << rel;
  }
  auto bad = (*schema)->Validate("<mets xmlns=\"http://www.loc.gov/METS/\"><bogus/></mets>");
  ASSERT_OK(bad);
  EXPECT_THAT(*bad, Not(IsEmpty()));
  EXPECT_THAT((*bad)[0], HasSubstr("line 1: "));
  // Not well-formed or hostile: validation cannot run, and says why.
  EXPECT_FALSE((*schema)->Validate("<mets").ok());
  auto hostile = (*schema)->Validate(
      "<!DOCTYPE mets [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<mets xmlns=\"http://www.loc.gov/METS/\">&x;</mets>");
  ASSERT_FALSE(hostile.ok());
  EXPECT_EQ(hostile.status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(server.Connected());
}

TEST(SchemaSetTest, RemoteImportWithoutCatalogIsRefusedNotFetched) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto files = mets::FindSchemaFiles(corpora);
  ASSERT_OK(files);
  // mets-1.12.1.xsd imports http://www.loc.gov/standards/xlink/xlink.xsd.
  auto schema = SchemaSet::Load(files->mets_xsd, std::filesystem::path());
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(std::string(schema.status().message()),
              HasSubstr("http://www.loc.gov/standards/xlink/xlink.xsd"));
}

TEST(SchemaSetTest, LoadsFromDirectoryWithSpacesAndVietnameseName) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  testing::TempDir tmp;
  const auto dir = tmp / "Lược đồ XML #1";
  std::filesystem::copy(corpora / "xml-schemas", dir, std::filesystem::copy_options::recursive);
  auto files = mets::FindSchemaFilesIn(dir);
  ASSERT_OK(files);
  auto schema = mets::LoadMetsSchema(*files);
  ASSERT_OK(schema);
  auto errors = (*schema)->Validate(
      testing::ReadFile(dir / "premis/sample-records/PREMIS_3_in_METS_example_1.xml"));
  ASSERT_OK(errors);
  EXPECT_THAT(*errors, IsEmpty());
}

TEST(SchemaSetTest, MissingFile) {
  auto schema = SchemaSet::Load("/nonexistent/x.xsd");
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), Code::kNotFound);
}

TEST(SchemaSetTest, ConcurrentValidation) {
  VAULT_SKIP_WITHOUT_CORPORA(corpora);
  auto files = mets::FindSchemaFiles(corpora);
  ASSERT_OK(files);
  auto schema = mets::LoadPremisSchema(*files);
  ASSERT_OK(schema);
  const auto samples = files->dir / "premis" / "sample-records";
  const std::string good = testing::ReadFile(samples / "PREMIS_3_example_1.xml");
  const std::string bad = testing::ReadFile(samples / "PREMIS_3_example_2.xml");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto g = (*schema)->Validate(good);
        auto b = (*schema)->Validate(bad);
        if (!g.ok() || !g->empty() || !b.ok() || b->size() != 3) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace vault::xml
