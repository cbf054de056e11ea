package example;

import java.util.Arrays;
import java.util.List;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** Embeds two texts with the EmbeddingModel the starter configures from koembed.* properties. */
@SpringBootApplication
public class App {
    public static void main(String[] args) {
        SpringApplication.run(App.class, args).close();
    }

    @Bean
    CommandLineRunner embed(EmbeddingModel model) {
        return args -> {
            EmbeddingResponse r = model.embedForResponse(List.of("두 사람이 해변을 걷는다.", "해변을 걷는 사람"));
            System.out.println("koembed-spring-boot-starter: " + model.getClass().getSimpleName() + " "
                    + r.getMetadata().getModel() + ", dimension " + model.dimensions() + ", "
                    + r.getResults().size() + " vectors of " + r.getResults().getFirst().getOutput().length
                    + ", " + r.getMetadata().getUsage().getPromptTokens() + " tokens");
            // the vectors themselves, for the script to compare runs with and without the Vector API
            r.getResults().forEach(e -> System.out.println("vector "
                    + Arrays.toString(e.getOutput()).replaceAll("[\\[\\],]", "")));
        };
    }
}
