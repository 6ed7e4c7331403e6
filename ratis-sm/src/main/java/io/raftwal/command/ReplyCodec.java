package io.raftwal.command;

import java.nio.ByteBuffer;

/**
 * Binary form of {@link Reply}: {@code u8 version | u8 type | body | u32 crc32c}; type 1
 * APPENDED (u64 first, last, term, index), 2 DONE (str), 3 REJECTED (str).
 */
public final class ReplyCodec {
  private ReplyCodec() {}

  public static byte[] encode(Reply r) {
    ByteBuffer b;
    if (r instanceof Reply.Appended a) {
      b = Wire.begin(32, 1).putLong(a.firstLsn()).putLong(a.lastLsn()).putLong(a.term()).putLong(a.raftIndex());
    } else if (r instanceof Reply.Done d) {
      b = Wire.begin(Wire.strBytes(d.detail()), 2);
      Wire.putStr(b, d.detail());
    } else {
      Reply.Rejected j = (Reply.Rejected) r;
      String reason = j.reason().length() > 8000 ? j.reason().substring(0, 8000) : j.reason();
      b = Wire.begin(Wire.strBytes(reason), 3);
      Wire.putStr(b, reason);
    }
    return Wire.seal(b);
  }

  public static Reply decode(byte[] bytes) throws MalformedCommandException {
    ByteBuffer b = Wire.open(bytes, "reply");
    int type = Wire.type(bytes);
    return Wire.read(b, "reply", in -> switch (type) {
      case 1 -> new Reply.Appended(in.getLong(), in.getLong(), in.getLong(), in.getLong());
      case 2 -> new Reply.Done(Wire.getStr(in));
      case 3 -> new Reply.Rejected(Wire.getStr(in));
      default -> throw new MalformedCommandException("reply type " + type + " is unknown");
    });
  }
}
