"""The imgproxy URL dialect: options, parsing, generating. Standard library only."""
