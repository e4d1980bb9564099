package dev.kiln.train.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * A JSON row read token by token: the same values as the CSV line with the same text, nulls as NaN, other keys
 * skipped whatever they hold, a repeated key's last value kept, and each refusal naming its column.
 */
class TestSchemaJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int F = 3;

  private static TestRow json(String body) throws IOException {
    TestRow row = new TestRow(F);
    try (JsonParser p = JSON.createParser(body)) {
      TestSchema.ofNames(F).parse(p, row);
    }
    return row;
  }

  private static TestRow csv(String line) {
    TestRow row = new TestRow(F);
    TestSchema.ofHeader("date,weight,feature_0,feature_1,feature_2,ts_id", F).parse(line, row);
    return row;
  }

  private static void assertSame(TestRow want, TestRow got) {
    assertEquals(want.date(), got.date());
    assertEquals(want.tsId(), got.tsId());
    assertEquals(Float.floatToRawIntBits(want.weight()), Float.floatToRawIntBits(got.weight()));
    assertArrayEquals(want.features(), got.features());
  }

  @Test
  void readsTheValuesTheCsvLineGives() throws IOException {
    TestRow want = csv("12,0.1000000000000000055511151231257827,1e-3,,-2.5E+2,9007199254740993");
    assertSame(want, json("{\"ts_id\": 9007199254740993, \"feature_2\": -2.5E+2, \"feature_1\": null,"
        + " \"weight\": 0.1000000000000000055511151231257827, \"date\": 12, \"feature_0\": 1e-3}"));
  }

  @Test
  void skipsOtherKeysAndKeepsARepeatedKeysLastValue() throws IOException {
    TestRow want = csv("3,1.5,0.25,0.5,0.75,7");
    assertSame(want, json("{\"feature_1\": 99, \"resp\": {\"a\": [1, {\"b\": \"x\"}]}, \"extra\": [\"feature_0\"],"
        + " \"date\": 3, \"weight\": 1.5, \"feature_0\": 0.25, \"feature_1\": 0.5, \"feature_2\": 0.75, \"ts_id\": 7,"
        + " \"note\": \"feature_2\"}"));
  }

  @Test
  void refusesByColumn() {
    String rest = "\"weight\": 1, \"feature_0\": 0, \"feature_1\": 0, \"feature_2\": 0, \"ts_id\": 1}";
    assertEquals("column 'date' is missing",
        assertThrows(IllegalArgumentException.class, () -> json("{" + rest)).getMessage());
    assertEquals("date: \"3\" is not a number or null",
        assertThrows(IllegalArgumentException.class, () -> json("{\"date\": \"3\", " + rest)).getMessage());
    assertEquals("date: [3] is not a number or null",
        assertThrows(IllegalArgumentException.class, () -> json("{\"date\": [3], " + rest)).getMessage());
    assertEquals("date: '3.5' is not a whole number in range",
        assertThrows(IllegalArgumentException.class, () -> json("{\"date\": 3.5, " + rest)).getMessage());
    assertEquals("the body is not a JSON object",
        assertThrows(IllegalArgumentException.class, () -> json("[1]")).getMessage());
    assertThrows(com.fasterxml.jackson.core.JacksonException.class, () -> json("{\"date\": 3,"));
  }
}
