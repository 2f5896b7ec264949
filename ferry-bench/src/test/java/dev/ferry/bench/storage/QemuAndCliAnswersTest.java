package dev.ferry.bench.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The answers of QEMU and of the ferry command that the storage bench acts on. */
class QemuAndCliAnswersTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static boolean bulkSent(String disk) throws Exception {
        return QemuDiskMigration.bulkSent(JSON.readTree(disk));
    }

    @Test
    void postCopyWaitsUntilAtMostOneChunkOfTheDiskIsLeft() throws Exception {
        assertThat(bulkSent("""
                {"total":67108864,"dirty-sync-count":0,"remaining":32505856,"transferred":34603008}""")).isFalse();
        assertThat(bulkSent("""
                {"total":67108864,"dirty-sync-count":0,"remaining":1048576,"transferred":66060288}""")).isTrue();
        assertThat(bulkSent("""
                {"total":67108864,"remaining":0,"transferred":0}""")).as("nothing sent yet").isFalse();
        assertThat(bulkSent("{}")).as("no block migration").isFalse();
    }

    @Test
    void theCloneCommandIsFoundInTheVmCommandsList() {
        String without = """
                Usage: ferry vm [-hV] [COMMAND]
                Create, list, inspect and control VMs on a host.
                  -h, --help      Show this help message and exit.
                Commands:
                  create      Boot a VM on the host and start it.
                  stop        Shut a VM down and remove it.
                  state-hash  SHA-256 of the VM's complete guest-visible state (a running VM
                                pauses for it briefly; a clone keeps it).
                """;
        assertThat(CloneProvisioning.listsClone(without)).isFalse();
        assertThat(CloneProvisioning.listsClone(without + "  clone       Start copies of a running VM.\n")).isTrue();
    }
}
