// The AWS SDK for JavaScript v3 against kmsgate, configured as the README's
// snippet is. integration/node_test.go runs it with KMSGATE_URL set and
// checks the JSON it prints on stdout; any failure exits 1.
import {
  KMSClient, CreateKeyCommand, CreateAliasCommand, EncryptCommand, DecryptCommand,
  GenerateDataKeyCommand, DescribeKeyCommand, ListAliasesCommand,
} from "@aws-sdk/client-kms";

const kms = new KMSClient({ endpoint: process.env.KMSGATE_URL, region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });

const out = {};
const key = await kms.send(new CreateKeyCommand({ Description: "node sdk" }));
out.keyId = key.KeyMetadata.KeyId;
out.keyArn = key.KeyMetadata.Arn;
out.creationDateIsDate = key.KeyMetadata.CreationDate instanceof Date;
out.creationYear = key.KeyMetadata.CreationDate.getUTCFullYear();
await kms.send(new CreateAliasCommand({ AliasName: "alias/node", TargetKeyId: out.keyId }));

const context = { tenant: "org1" };
const enc = await kms.send(new EncryptCommand({
  KeyId: "alias/node", Plaintext: new TextEncoder().encode("from node"), EncryptionContext: context,
}));
const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }));
out.decrypted = new TextDecoder().decode(dec.Plaintext);
out.decryptKeyId = dec.KeyId;

const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: out.keyId, KeySpec: "AES_256" }));
out.dataKeyBytes = dk.Plaintext.length;
const dkBack = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
out.dataKeyRoundTrip = Buffer.from(dkBack.Plaintext).equals(Buffer.from(dk.Plaintext));

try {
  await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { tenant: "other" } }));
  out.wrongContext = "no error";
} catch (e) {
  out.wrongContext = e.name;
}
try {
  await kms.send(new DescribeKeyCommand({ KeyId: "alias/missing" }));
  out.missing = "no error";
} catch (e) {
  out.missing = e.name;
  out.missingStatus = e.$metadata.httpStatusCode;
  out.missingMessage = e.message;
}
const aliases = await kms.send(new ListAliasesCommand({ KeyId: out.keyId }));
out.aliases = aliases.Aliases.map((a) => a.AliasName);

process.stdout.write(JSON.stringify(out) + "\n");
