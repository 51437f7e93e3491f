package dev.dsync.topology.processing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The reusable buffer must hold exactly what was written, through growing past its kept size and back. */
class TextBufferTest {

    private static final char[] CHARS = {'a', 'Z', '0', '"', '\\', '\n', '\u0000', '\u007f', '\u0080', 'é', '\u07ff',
            '\u0800', '中', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', '\ude00'};

    @Test
    void holdsExactlyWhatWasWritten() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        TextBuffer shared = new TextBuffer();
        for (int i = 0; i < 20_000; i++) {
            TextBuffer buffer = shared.take();
            StringBuilder expected = new StringBuilder();
            int writes = random.nextInt(6);
            for (int w = 0; w < writes; w++) {
                // sometimes far past the kept size, so that growing and shrinking back are exercised too
                int length = random.nextInt(50) == 0 ? 20_000 + random.nextInt(20_000) : random.nextInt(40);
                char[] c = new char[length];
                for (int k = 0; k < length; k++) {
                    c[k] = CHARS[random.nextInt(CHARS.length)];
                }
                String s = new String(c);
                switch (random.nextInt(3)) {
                    case 0 -> buffer.write(c, 0, length);
                    case 1 -> buffer.write(s, 0, length);
                    default -> s.chars().forEach(buffer::write);
                }
                expected.append(s);
            }
            assertThat(buffer.release()).as("seed %d", seed).isEqualTo(expected.toString());
        }
    }

    @Test
    void aSecondRecordWhileTheFirstIsWrittenGetsItsOwnBuffer() {
        TextBuffer shared = new TextBuffer();
        TextBuffer first = shared.take();
        first.write("first", 0, 5);
        TextBuffer second = shared.take();
        second.write("second", 0, 6);
        assertThat(second).isNotSameAs(first);
        assertThat(second.release()).isEqualTo("second");
        assertThat(first.release()).isEqualTo("first");
        assertThat(shared.take()).isSameAs(shared);
    }
}
