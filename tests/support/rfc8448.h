// RFC 8448 (Example Handshake Traces for TLS 1.3): every value of the traces the tests use, in
// one place. Hex, as the RFC prints it (whitespace is ignored by Hex()); handshake messages
// include their 4-byte header. Copied from the RFC; a value the RFC does not print is not here.
#pragma once

namespace tlsio_test::rfc8448 {

// ---- RFC 8448 §2: the server's RSA key (modulus, exponents, primes) ----
extern const char kRsaN[];
extern const char kRsaE[];
extern const char kRsaD[];
extern const char kRsaP[];
extern const char kRsaQ[];

// ---- RFC 8448 §3 "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256, x25519) ----
extern const char kClientX25519Private[];
extern const char kClientX25519Public[];
extern const char kServerX25519Private[];
extern const char kServerX25519Public[];
extern const char kServerRandom[];
extern const char kClientHello[];
extern const char kServerHello[];
extern const char kEncryptedExtensions[];
extern const char kCertificate[];
extern const char kCertificateVerify[];
extern const char kServerFinished[];
extern const char kClientFinished[];
extern const char kEcdhe[];
extern const char kEarly[];
extern const char kDerivedForHs[];
extern const char kHandshake[];
extern const char kThChSh[];
extern const char kCHsTraffic[];
extern const char kSHsTraffic[];
extern const char kDerivedForMs[];
extern const char kMaster[];
extern const char kThChSfin[];
extern const char kThChCfin[];
extern const char kCApTraffic[];
extern const char kSApTraffic[];
extern const char kExpMaster[];
extern const char kResMaster[];
extern const char kServerHsKey[];
extern const char kServerHsIv[];
extern const char kClientHsKey[];
extern const char kClientHsIv[];
extern const char kServerApKey[];
extern const char kServerApIv[];
extern const char kClientApKey[];
extern const char kClientApIv[];
extern const char kEePt[];
extern const char kEeRec[];
extern const char kCfinRec[];
extern const char kNstPt[];
extern const char kNstRec[];
extern const char kCAppRec[];
extern const char kSAppRec[];
extern const char kCAlertRec[];
extern const char kSAlertRec[];
extern const char kTicket[];

// ---- RFC 8448 §4 "Resumed 0-RTT Handshake" (resumes §3's session; TLS_AES_128_GCM_SHA256) ----
extern const char kResPsk[];
extern const char kResClientX25519Private[];
extern const char kResClientX25519Public[];
extern const char kResServerX25519Private[];
extern const char kResServerX25519Public[];
extern const char kResEcdhe[];
extern const char kResClientHello[];
extern const char kResBinderHash[];
extern const char kResBinder[];
extern const char kResServerHello[];
extern const char kResEncryptedExtensions[];
extern const char kResServerFinished[];
extern const char kResEndOfEarlyData[];
extern const char kResClientFinished[];
extern const char kResServerFlightRec[];
extern const char kResClientFinishedRec[];
extern const char kResEarly[];
extern const char kResBinderKey[];
extern const char kResThCh[];
extern const char kResCETraffic[];
extern const char kResEExpMaster[];
extern const char kResDerivedForHs[];
extern const char kResHandshake[];
extern const char kResThChSh[];
extern const char kResCHsTraffic[];
extern const char kResSHsTraffic[];
extern const char kResDerivedForMs[];
extern const char kResMasterSecret[];
extern const char kResThChSfin[];
extern const char kResCApTraffic[];
extern const char kResSApTraffic[];
extern const char kResExpMaster[];
extern const char kResThChCfin[];
extern const char kResResMaster[];

// ---- RFC 8448 §5 "HelloRetryRequest" (TLS_AES_128_GCM_SHA256, P-256 after the retry) ----
extern const char kHrrClientHello1[];
extern const char kHelloRetryRequest[];
extern const char kHrrClientHello2[];
extern const char kHrrServerHello[];
extern const char kHrrEncryptedExtensions[];
extern const char kHrrCertificateVerify[];
extern const char kHrrServerFinished[];
extern const char kHrrClientFinished[];
extern const char kHrrServerP256Private[];
extern const char kHrrServerRandom[];
extern const char kHrrHandshakeSecret[];
extern const char kHrrMasterSecret[];

} // namespace tlsio_test::rfc8448
