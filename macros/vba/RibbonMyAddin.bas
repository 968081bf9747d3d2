Attribute VB_Name = "RibbonMyAddin"
Sub RunMain(control As IRibbonControl)
    mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))
    RunPython "import " & mymodule & ";" & mymodule & ".main()"
End Sub
