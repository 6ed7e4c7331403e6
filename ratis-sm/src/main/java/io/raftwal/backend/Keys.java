package io.raftwal.backend;

/** Checks object keys: relative, no {@code ..} segment, no empty segment, no backslash or control character. */
final class Keys {
  private Keys() {}

  static String check(String key) {
    if (key == null || key.isEmpty() || key.length() > 1024) {
      throw new IllegalArgumentException("key must be 1 to 1024 characters, got '" + key + "'");
    }
    if (key.startsWith("/") || key.contains("\\\\") || key.contains("\\")) {
      throw new IllegalArgumentException("key '" + key + "' must be a relative path with '/' separators");
    }
    for (String part : key.split("/", -1)) {
      if (part.isEmpty() || part.equals("..") || part.equals(".")) {
        throw new IllegalArgumentException("key '" + key + "' has an empty, '.' or '..' segment: it would escape the root");
      }
    }
    for (char c : key.toCharArray()) {
      if (Character.isISOControl(c)) {
        throw new IllegalArgumentException("key '" + key + "' has a control character");
      }
    }
    return key;
  }
}
