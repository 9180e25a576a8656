package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jrunc.JruncException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContainerIdTest {
    @ParameterizedTest
    @ValueSource(strings = {"a", "web", "0", "my-container", "my_container", "c.1", "a+b", "Z9",
            "3f1c2a0e9b7d4c1e8f2a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e"})
    void goodIds(String id) {
        assertEquals(id, ContainerId.validate(id));
    }

    @Test
    void longestAllowed() {
        String id = "a".repeat(1024);
        assertEquals(id, ContainerId.validate(id));
    }

    @Test
    void emptyOrNull() {
        assertEquals("container id cannot be empty",
                assertThrows(JruncException.class, () -> ContainerId.validate("")).getMessage());
        assertEquals("container id cannot be empty",
                assertThrows(JruncException.class, () -> ContainerId.validate(null)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "..", "a/b", "../x", "/abs", "-rf", "-", ".hidden", "_x", "a b", "a\nb", "a\u0000b",
            "é", "a:b", "a/", "x/.."})
    void badIds(String id) {
        JruncException e = assertThrows(JruncException.class, () -> ContainerId.validate(id));
        assertEquals("invalid container id \"" + id
                + "\": use letters, digits, '_', '+', '-' and '.', starting with a letter or digit", e.getMessage());
    }

    @Test
    void tooLong() {
        String id = "a".repeat(1025);
        JruncException e = assertThrows(JruncException.class, () -> ContainerId.validate(id));
        assertEquals(true, e.getMessage().startsWith("invalid container id \"aaa"));
    }
}
