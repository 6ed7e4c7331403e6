package io.raftwal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;

/** Prints either a human line or one JSON value per line. */
final class Output {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Output() {}

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static void line(PrintWriter out, boolean json, Object value, String human) {
    out.println(json ? json(value) : human);
    out.flush();
  }
}
