// m365-emulator: all logic lives in EmulatorKit so tests can run the server in-process.
import EmulatorKit
import Foundation

exit(await EmulatorCommand.main(CommandLine.arguments))
