import Core
import Foundation
import Persistence
import TestSupport
import Testing

@Suite struct MigratorTests {
    @Test func twoConcurrentMigrationsLeaveOneCorrectSchema() async throws {
        let urls = try TestDatabase.freshDatabase("migrate")
        let migrator = TestDatabase.migrator
        async let first = Blocking.run { try migrator.migrate(on: try Connection(url: urls.owner)).count }
        async let second = Blocking.run { try migrator.migrate(on: try Connection(url: urls.owner)).count }
        let applied = try await [first, second]
        #expect(applied.sorted() == [0, migrator.migrations.count], "exactly one process applies the files")

        let owner = try Connection(url: urls.owner)
        let versions = try owner.query("SELECT version FROM tiktok_meta.schema_migrations ORDER BY version").rows.map {
            try $0.int("version")
        }
        #expect(versions == migrator.migrations.map(\.version))
        let tables = Set(
            try owner.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").rows.map { try $0.string("tablename") })
        #expect(tables == RowLevelSecurityTests.expectedTables)
        #expect(try migrator.migrate(on: owner).isEmpty, "a third run has nothing to do")
    }

    @Test func aChangedAppliedMigrationIsRefused() async throws {
        let urls = try TestDatabase.freshDatabase("checksum")
        let original = Migration(version: 1, name: "0001_widgets.sql", sql: "CREATE TABLE widgets (id int);")
        try Migrator(migrations: [original]).migrate(on: try Connection(url: urls.owner))

        let edited = Migration(version: 1, name: "0001_widgets.sql", sql: "CREATE TABLE widgets (id bigint);")
        let next = Migration(version: 2, name: "0002_more.sql", sql: "CREATE TABLE more_widgets (id int);")
        let error = #expect(throws: MigrationError.self) {
            try Migrator(migrations: [edited, next]).migrate(on: try Connection(url: urls.owner))
        }
        #expect(error?.description.contains("0001_widgets.sql changed after it was applied") == true)
        let owner = try Connection(url: urls.owner)
        #expect(
            try owner.query("SELECT to_regclass('more_widgets') IS NULL AS absent").first!.bool("absent"),
            "nothing after the refusal is applied")
    }

    @Test func aFailingMigrationLeavesNothingHalfApplied() async throws {
        let urls = try TestDatabase.freshDatabase("atomic")
        let broken = Migration(version: 1, name: "0001_broken.sql", sql: "CREATE TABLE gadgets (id int); SELECT * FROM no_such_table;")
        #expect(throws: MigrationError.self) { try Migrator(migrations: [broken]).migrate(on: try Connection(url: urls.owner)) }
        let owner = try Connection(url: urls.owner)
        #expect(try owner.query("SELECT to_regclass('gadgets') IS NULL AS absent").first!.bool("absent"))
        #expect(try owner.query("SELECT count(*) AS n FROM tiktok_meta.schema_migrations").first!.int("n") == 0)
    }

    @Test func theLargeValuesOfARunAreCompressedWithLZ4WhenTheServerHasIt() async throws {
        let columns = [
            "tiktok_agent_steps.system_prompt", "tiktok_agent_steps.user_prompt", "tiktok_agent_steps.response_text",
            "tiktok_agent_steps.request", "tiktok_agent_steps.response", "tiktok_run_contexts.data", "tiktok_run_contexts.text",
            "tiktok_workflow_steps.input", "tiktok_workflow_steps.output", "tiktok_agent_runs.input", "tiktok_agent_runs.output",
            "tiktok_workflow_runs.input", "tiktok_workflow_runs.report_md",
        ]
        let (hasLZ4, methods) = try await TestDatabase.database.withConnection { c in
            let has = try c.query("SELECT 'lz4' = ANY(enumvals) AS has FROM pg_settings WHERE name = 'default_toast_compression'")
                .first!.bool("has")
            let rows = try c.query(
                """
                SELECT c.relname || '.' || a.attname AS name, a.attcompression::text AS method
                FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = 'public'::regnamespace AND c.relname || '.' || a.attname = ANY(\(columns)::text[])
                """
            ).rows
            return (has, Dictionary(uniqueKeysWithValues: try rows.map { (try $0.string("name"), try $0.string("method")) }))
        }
        #expect(methods.keys.sorted() == columns.sorted(), "every column exists")
        let expected = hasLZ4 ? "l" : ""
        for column in columns { #expect(methods[column] == expected, "\(column) compresses with \(methods[column] ?? "?")") }
    }

    @Test func migrationFilesAreReadInVersionOrder() throws {
        let migrator = TestDatabase.migrator
        #expect(migrator.migrations.map(\.version) == migrator.migrations.map(\.version).sorted())
        #expect(migrator.migrations.first?.name == "0001_tenancy.sql")
    }
}
