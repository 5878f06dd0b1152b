// Merkle tree (docs/RETENTION.md §6, RFC 6962 shape), Ed25519 keys and signatures, and the
// checkpoint file: unit tests.
#include <sys/stat.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testing/test_util.h"
#include "vault/base/hex.h"
#include "vault/catalog/catalog.h"
#include "vault/clib/crypto.h"
#include "vault/log/checkpoint.h"

namespace vault::checkpoint {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::string Raw(const std::string& hex) { return *HexDecode(hex); }

// The definition, written out independently: MTH(D[0:n]) with the split at the largest power
// of two strictly below n.
std::string NaiveRootRaw(const std::vector<std::string>& raw_leaves) {
  size_t n = raw_leaves.size();
  if (n == 0) return Raw(Sha256Hex(""));
  if (n == 1) return raw_leaves[0];
  size_t k = 1;
  while (k < n) k <<= 1;
  k >>= 1;  // largest power of two < n
  std::vector<std::string> left(raw_leaves.begin(), raw_leaves.begin() + static_cast<long>(k));
  std::vector<std::string> right(raw_leaves.begin() + static_cast<long>(k), raw_leaves.end());
  return Raw(Sha256Hex(std::string(1, '\x01') + NaiveRootRaw(left) + NaiveRootRaw(right)));
}

struct Entry {
  std::string object, path, digest;
};

std::vector<Entry> SortedEntries(size_t n) {
  std::vector<Entry> out;
  for (size_t i = 0; i < n; ++i) {
    char obj[48], path[48];
    std::snprintf(obj, sizeof(obj), "urn:uuid:obj-%02zu", i / 3);
    std::snprintf(path, sizeof(path), "data/f%02zu.txt", i);
    out.push_back({obj, path, Sha256Hex("content " + std::to_string(i))});
  }
  return out;
}

TEST(Merkle, LeafIsSha256OfZeroSeparatedFields) {
  std::string expect = Sha256Hex(std::string("\0obj\0a/b.txt\0", 13) + std::string(64, 'c'));
  EXPECT_EQ(MerkleLeaf("obj", "a/b.txt", std::string(64, 'c')), expect);
}

TEST(Merkle, RootOfNothingIsSha256OfEmpty) {
  EXPECT_EQ(MerkleRoot({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(MerkleBuilder().Root(), MerkleRoot({}));
  EXPECT_EQ(MerkleBuilder().entries(), 0u);
}

TEST(Merkle, SmallTreesHaveTheRfc6962Shape) {
  std::string a = MerkleLeaf("o", "a", "1"), b = MerkleLeaf("o", "b", "2"),
              c = MerkleLeaf("o", "c", "3");
  auto node = [](const std::string& l, const std::string& r) {
    return Sha256Hex(std::string(1, '\x01') + Raw(l) + Raw(r));
  };
  EXPECT_EQ(MerkleRoot({a}), a);
  EXPECT_EQ(MerkleRoot({a, b}), node(a, b));
  // n = 3: k = 2 → (a b) c, not a (b c).
  EXPECT_EQ(MerkleRoot({a, b, c}), node(node(a, b), c));
  EXPECT_NE(MerkleRoot({a, b, c}), node(a, node(b, c)));
}

TEST(Merkle, RootAndBuilderAgreeWithTheNaiveDefinitionForZeroToForty) {
  for (size_t n = 0; n <= 40; ++n) {
    auto entries = SortedEntries(n);
    std::vector<std::string> leaves, raw;
    MerkleBuilder b;
    for (const auto& e : entries) {
      leaves.push_back(MerkleLeaf(e.object, e.path, e.digest));
      raw.push_back(Raw(leaves.back()));
      b.Add(e.object, e.path, e.digest);
      // Root() is a snapshot: adding afterwards keeps working.
      if (n == 40) {
        std::vector<std::string> prefix(raw.begin(), raw.end());
        EXPECT_EQ(b.Root(), HexEncode(NaiveRootRaw(prefix))) << "prefix " << raw.size();
      }
    }
    const std::string naive = HexEncode(NaiveRootRaw(raw));
    EXPECT_EQ(MerkleRoot(leaves), naive) << "n = " << n;
    EXPECT_EQ(b.Root(), naive) << "n = " << n;
    EXPECT_EQ(b.entries(), n);
    EXPECT_TRUE(b.in_order());
  }
}

TEST(Merkle, OrderMattersAndTheBuilderNoticesDisorder) {
  auto entries = SortedEntries(7);
  MerkleBuilder sorted, swapped;
  for (const auto& e : entries) sorted.Add(e.object, e.path, e.digest);
  std::swap(entries[2], entries[5]);
  for (const auto& e : entries) swapped.Add(e.object, e.path, e.digest);
  EXPECT_NE(sorted.Root(), swapped.Root());
  EXPECT_TRUE(sorted.in_order());
  EXPECT_FALSE(swapped.in_order());
  // The key is object \0 path: "a" + "\0z" sorts before "a-b" + "\0a".
  MerkleBuilder prefix;
  prefix.Add("a", "z", "1");
  prefix.Add("a-b", "a", "2");
  EXPECT_TRUE(prefix.in_order());
  // A duplicate entry is out of order too.
  MerkleBuilder dup;
  dup.Add("a", "z", "1");
  dup.Add("a", "z", "1");
  EXPECT_FALSE(dup.in_order());
}

TEST(Merkle, ChangingAnyDigestChangesTheRoot) {
  auto entries = SortedEntries(13);
  MerkleBuilder base;
  for (const auto& e : entries) base.Add(e.object, e.path, e.digest);
  for (size_t i = 0; i < entries.size(); ++i) {
    MerkleBuilder b;
    for (size_t j = 0; j < entries.size(); ++j) {
      b.Add(entries[j].object, entries[j].path,
            i == j ? Sha256Hex("tampered") : entries[j].digest);
    }
    EXPECT_NE(b.Root(), base.Root()) << i;
  }
}

// ---------------------------------------------------------------------------------------------

TEST(Ed25519, SignVerifyAndTamper) {
  auto key = Ed25519Key::Generate();
  ASSERT_OK(key);
  EXPECT_TRUE(key->has_private());
  EXPECT_EQ(key->RawPublic().size(), 32u);
  EXPECT_EQ(key->KeyId(), Sha256Hex(key->RawPublic()).substr(0, 16));
  EXPECT_EQ(Ed25519KeyId(key->RawPublic()), key->KeyId());
  auto sig = key->Sign("message");
  ASSERT_OK(sig);
  EXPECT_EQ(sig->size(), 128u);
  EXPECT_TRUE(IsLowerHex(*sig));
  EXPECT_TRUE(key->Verify("message", *sig));
  EXPECT_TRUE(Ed25519Verify(*key, "message", *sig));
  EXPECT_FALSE(key->Verify("messagE", *sig));
  std::string bad = *sig;
  bad[10] = bad[10] == '0' ? '1' : '0';
  EXPECT_FALSE(key->Verify("message", bad));
  EXPECT_FALSE(key->Verify("message", sig->substr(2)));
  EXPECT_FALSE(key->Verify("message", "zz" + sig->substr(2)));
  // Upper-case hex of the same signature is the same signature.
  std::string upper = *sig;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(key->Verify("message", upper));

  auto other = Ed25519Key::Generate();
  ASSERT_OK(other);
  EXPECT_FALSE(other->Verify("message", *sig));
  EXPECT_NE(other->KeyId(), key->KeyId());
}

TEST(Ed25519, PemRoundTripAndPublicOnlyKeys) {
  auto key = Ed25519Key::Generate();
  ASSERT_OK(key);
  auto priv = key->PrivatePem();
  auto pub = key->PublicPem();
  ASSERT_OK(priv);
  ASSERT_OK(pub);
  EXPECT_NE(priv->find("-----BEGIN PRIVATE KEY-----"), std::string::npos);  // PKCS#8
  EXPECT_NE(pub->find("-----BEGIN PUBLIC KEY-----"), std::string::npos);    // SPKI
  auto priv2 = Ed25519Key::FromPrivatePem(*priv);
  auto pub2 = Ed25519Key::FromPublicPem(*pub);
  ASSERT_OK(priv2);
  ASSERT_OK(pub2);
  EXPECT_EQ(priv2->RawPublic(), key->RawPublic());
  EXPECT_EQ(pub2->RawPublic(), key->RawPublic());
  EXPECT_FALSE(pub2->has_private());
  EXPECT_EQ(pub2->Sign("x").status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(pub2->PrivatePem().status().code(), Code::kFailedPrecondition);
  auto sig = priv2->Sign("hello");
  ASSERT_OK(sig);
  EXPECT_TRUE(pub2->Verify("hello", *sig));
  // Ed25519 signatures are deterministic.
  EXPECT_EQ(*key->Sign("hello"), *sig);
  EXPECT_FALSE(Ed25519Key::FromPublicPem("not a key").ok());
  EXPECT_FALSE(Ed25519Key::FromPrivatePem(*pub).ok());
}

TEST(Ed25519, KeyFilesAreCreatedWithTheirModesAndNeverOverwritten) {
  TempDir tmp;
  fs::path keys = tmp / "keys";
  ASSERT_OK(EnsureAuditKey(keys));
  struct stat st {};
  ASSERT_EQ(::stat((keys / "audit.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((keys / "audit.pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  std::string priv = ReadFile(keys / "audit.key"), pub = ReadFile(keys / "audit.pub");
  EXPECT_NE(priv.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_NE(pub.find("BEGIN PUBLIC KEY"), std::string::npos);
  for (const auto& e : fs::directory_iterator(keys)) {
    EXPECT_TRUE(e.path().filename() == "audit.key" || e.path().filename() == "audit.pub")
        << "left behind: " << e.path();
  }

  // Again: nothing changes.
  ASSERT_OK(EnsureAuditKey(keys));
  EXPECT_EQ(ReadFile(keys / "audit.key"), priv);
  EXPECT_EQ(ReadFile(keys / "audit.pub"), pub);

  // A lost public key is written again from the private key.
  fs::remove(keys / "audit.pub");
  ASSERT_OK(EnsureAuditKey(keys));
  EXPECT_EQ(ReadFile(keys / "audit.pub"), pub);

  // A public key that is not the private key's: refused, nothing replaced.
  auto other = Ed25519Key::Generate();
  ASSERT_OK(other);
  fs::remove(keys / "audit.pub");
  WriteFile(keys / "audit.pub", *other->PublicPem());
  EXPECT_EQ(EnsureAuditKey(keys).code(), Code::kFailedPrecondition);
  EXPECT_EQ(ReadFile(keys / "audit.key"), priv);

  // A public key without its private key: refused (the key is lost; someone must look).
  fs::remove(keys / "audit.key");
  EXPECT_EQ(EnsureAuditKey(keys).code(), Code::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(keys / "audit.key"));

  // CreateEd25519KeyFiles refuses to overwrite either file.
  EXPECT_EQ(CreateEd25519KeyFiles(keys / "audit.key", keys / "audit.pub").status().code(),
            Code::kAlreadyExists);
  EXPECT_FALSE(fs::exists(keys / "audit.key"));
}

// ---------------------------------------------------------------------------------------------

Checkpoint Sample(uint64_t seq) {
  Checkpoint c;
  c.seq = seq;
  c.entries = 10 + seq;
  c.objects = 3;
  c.head_hash = Sha256Hex("head " + std::to_string(seq));
  c.merkle_root = Sha256Hex("root " + std::to_string(seq));
  c.time = "2026-01-02T03:04:05.678Z";
  return c;
}

TEST(Checkpoint, SignedOverTheSortedCompactJsonOfTheOtherFields) {
  auto key = Ed25519Key::Generate();
  ASSERT_OK(key);
  Checkpoint c = Sample(7);
  ASSERT_OK(SignCheckpoint(c, *key));
  EXPECT_EQ(c.key_id, key->KeyId());
  const std::string signed_bytes =
      "{\"entries\":17,\"head_hash\":\"" + c.head_hash + "\",\"key_id\":\"" + c.key_id +
      "\",\"merkle_root\":\"" + c.merkle_root + "\",\"objects\":3,\"seq\":7,\"time\":\"" + c.time +
      "\"}";
  EXPECT_EQ(CheckpointSigningBytes(c), signed_bytes);
  EXPECT_TRUE(key->Verify(signed_bytes, c.signature));
  EXPECT_TRUE(VerifyCheckpointSignature(c, *key));
  EXPECT_EQ(CheckpointLine(c), "{\"entries\":17,\"head_hash\":\"" + c.head_hash +
                                   "\",\"key_id\":\"" + c.key_id + "\",\"merkle_root\":\"" +
                                   c.merkle_root + "\",\"objects\":3,\"seq\":7,\"signature\":\"" +
                                   c.signature + "\",\"time\":\"" + c.time + "\"}");
  // Every field is covered.
  for (int field = 0; field < 7; ++field) {
    Checkpoint t = c;
    switch (field) {
      case 0: t.seq += 1; break;
      case 1: t.entries += 1; break;
      case 2: t.objects += 1; break;
      case 3: t.head_hash[0] = t.head_hash[0] == 'a' ? 'b' : 'a'; break;
      case 4: t.merkle_root[5] = t.merkle_root[5] == 'a' ? 'b' : 'a'; break;
      case 5: t.time = "2026-01-02T03:04:05.679Z"; break;
      case 6: t.key_id = "0000000000000000"; break;
    }
    EXPECT_FALSE(VerifyCheckpointSignature(t, *key)) << "field " << field;
  }
}

TEST(Checkpoint, AppendAndReadBack) {
  TempDir tmp;
  fs::path log = tmp / "log";
  fs::create_directories(log);
  auto none = ReadCheckpoints(log);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());

  auto key = Ed25519Key::Generate();
  ASSERT_OK(key);
  std::vector<Checkpoint> written;
  for (uint64_t s : {3u, 9u, 12u}) {
    Checkpoint c = Sample(s);
    ASSERT_OK(SignCheckpoint(c, *key));
    ASSERT_OK(AppendCheckpoint(log, c));
    written.push_back(c);
  }
  auto back = ReadCheckpoints(log);
  ASSERT_OK(back);
  ASSERT_EQ(back->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(CheckpointLine((*back)[i]), CheckpointLine(written[i]));
    EXPECT_TRUE(VerifyCheckpointSignature((*back)[i], *key));
  }
  std::string text = ReadFile(log / "checkpoints.jsonl");
  EXPECT_EQ(text, CheckpointLine(written[0]) + "\n" + CheckpointLine(written[1]) + "\n" +
                      CheckpointLine(written[2]) + "\n");

  // A torn last line (crash mid-append) is skipped by readers and cut by the next append.
  {
    std::string torn = text + CheckpointLine(Sample(20)).substr(0, 30);
    fs::remove(log / "checkpoints.jsonl");
    WriteFile(log / "checkpoints.jsonl", torn);
  }
  auto lines = ReadCheckpointLines(log);
  ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 4u);
  EXPECT_TRUE((*lines)[3].torn);
  EXPECT_FALSE((*lines)[3].checkpoint.has_value());
  EXPECT_EQ(ReadCheckpoints(log)->size(), 3u);
  Checkpoint c = Sample(21);
  ASSERT_OK(SignCheckpoint(c, *key));
  ASSERT_OK(AppendCheckpoint(log, c));
  EXPECT_EQ(ReadFile(log / "checkpoints.jsonl"), text + CheckpointLine(c) + "\n");

  // A line that is not a checkpoint: ReadCheckpoints names it, ReadCheckpointLines goes on.
  WriteFile(log / "checkpoints.jsonl", text + "{\"seq\": \"x\"}\n" + CheckpointLine(c) + "\n");
  auto bad = ReadCheckpoints(log);
  EXPECT_EQ(bad.status().code(), Code::kCorruption);
  EXPECT_NE(bad.status().message().find("checkpoints.jsonl:4"), std::string::npos)
      << bad.status().ToString();
  lines = ReadCheckpointLines(log);
  ASSERT_OK(lines);
  ASSERT_EQ(lines->size(), 5u);
  EXPECT_FALSE((*lines)[3].checkpoint.has_value());
  EXPECT_EQ((*lines)[3].line, 4u);
  EXPECT_TRUE((*lines)[4].checkpoint.has_value());
}

TEST(Checkpoint, BuiltFromTheCatalogAtItsSeq) {
  TempDir tmp;
  auto cat = catalog::Catalog::Open(tmp / "catalog");
  ASSERT_OK(cat);
  catalog::WriteBatch b;
  // Ids whose order differs from insertion order; one id a prefix of another.
  std::vector<Entry> entries = {{"urn:uuid:b", "z.txt", Sha256Hex("1")},
                                {"urn:uuid:a", "m/x.txt", Sha256Hex("2")},
                                {"urn:uuid:a", "m.txt", Sha256Hex("3")},
                                {"urn:uuid:a-2", "a.txt", Sha256Hex("4")},
                                {"urn:uuid:b", "a.txt", Sha256Hex("5")}};
  for (const char* id : {"urn:uuid:b", "urn:uuid:a", "urn:uuid:a-2"}) {
    catalog::ObjectRecord o;
    o.id = id;
    o.state = "active";
    b.PutObject(o);
  }
  for (const auto& e : entries) {
    catalog::FileRecord f;
    f.object_id = e.object;
    f.path = e.path;
    f.sha256 = e.digest;
    f.content_path = "v1/content/" + e.path;
    b.PutFile(f);
  }
  b.SetLastAppliedSeq(42);
  ASSERT_OK((*cat)->Apply(b));

  fs::path keys = tmp / "keys";
  EXPECT_EQ(BuildCheckpoint(**cat, 42, "h", "t", keys).status().code(), Code::kNotFound);
  ASSERT_OK(EnsureAuditKey(keys));
  EXPECT_EQ(BuildCheckpoint(**cat, 41, "h", "t", keys).status().code(),
            Code::kFailedPrecondition);
  auto c = BuildCheckpoint(**cat, 42, Sha256Hex("head"), "2026-05-06T07:08:09.000Z", keys);
  ASSERT_OK(c);
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return x.object + std::string(1, '\0') + x.path < y.object + std::string(1, '\0') + y.path;
  });
  std::vector<std::string> leaves;
  for (const auto& e : entries) leaves.push_back(MerkleLeaf(e.object, e.path, e.digest));
  EXPECT_EQ(c->merkle_root, MerkleRoot(leaves));
  EXPECT_EQ(c->entries, 5u);
  EXPECT_EQ(c->objects, 3u);
  EXPECT_EQ(c->seq, 42u);
  EXPECT_EQ(c->head_hash, Sha256Hex("head"));
  auto pub = Ed25519Key::LoadPublic(keys / "audit.pub");
  ASSERT_OK(pub);
  EXPECT_EQ(c->key_id, pub->KeyId());
  EXPECT_TRUE(VerifyCheckpointSignature(*c, *pub));
}

}  // namespace
}  // namespace vault::checkpoint
