' Suyuan: creates Start Menu and Desktop shortcuts to suyuan.exe in this folder.
' Extract the whole zip into a folder first (e.g. D:\Suyuan), then double-click this file.
' Kept ASCII-only on purpose: scripts/winzip spells the Chinese strings as U("hex").
Option Explicit
Dim sh, fso, dir, exe, place, lnk, made
Set sh = CreateObject("WScript.Shell")
Set fso = CreateObject("Scripting.FileSystemObject")
dir = fso.GetParentFolderName(WScript.ScriptFullName)
exe = fso.BuildPath(dir, "suyuan.exe")
If Not fso.FileExists(exe) Then
  WScript.Echo "在 " & dir & " 里找不到 suyuan.exe。" & vbCrLf & _
    "请先把压缩包里的文件全部解压到一个文件夹（例如 D:\溯源站），再双击解压出来的“创建快捷方式.vbs”。" & vbCrLf & vbCrLf & _
    "suyuan.exe was not found in " & dir & ". Extract the whole zip into a folder first, then run this script from there."
  WScript.Quit 1
End If
made = ""
For Each place In Array(Folder("Programs", "%APPDATA%\Microsoft\Windows\Start Menu\Programs"), Folder("Desktop", "%USERPROFILE%\Desktop"))
  If place <> "" And fso.FolderExists(place) Then
    Set lnk = sh.CreateShortcut(fso.BuildPath(place, "溯源站.lnk"))
    lnk.TargetPath = exe
    lnk.WorkingDirectory = dir
    lnk.IconLocation = exe & ",0"
    lnk.Description = "溯源站：农产品生产记录与追溯"
    lnk.Save
    made = made & vbCrLf & fso.BuildPath(place, "溯源站.lnk")
  End If
Next
WScript.Echo "已创建“溯源站”快捷方式 / Shortcuts created:" & made

' Folder is a special folder's path, or the fallback (environment variables
' expanded) where WScript.Shell does not know the name.
Function Folder(kind, fallback)
  Dim p
  On Error Resume Next
  p = sh.SpecialFolders(kind)
  If Err.Number <> 0 Or p = "" Then p = sh.ExpandEnvironmentStrings(fallback)
  Err.Clear
  On Error GoTo 0
  Folder = p
End Function
